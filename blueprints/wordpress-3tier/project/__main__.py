"""WordPress in three tiers on OpenStack.

Internet -> floating IP -> WordPress (frontend network) -> MySQL (backend network)
-> Cinder volume holding the database. One router joins both networks to the
external network; security groups admit only the flows drawn here.
"""

import ipaddress

import pulumi
import pulumi_random as random

from components import (
    CloudConfig,
    DataVolumeArgs,
    IngressRule,
    KeyPair,
    KeyPairArgs,
    PrivateNetwork,
    PrivateNetworkArgs,
    PublicAddress,
    PublicAddressArgs,
    Router,
    RouterArgs,
    SecurityGroup,
    SecurityGroupArgs,
    Server,
    ServerArgs,
)
from settings import Settings

ANYWHERE = "0.0.0.0/0"

settings = Settings.load()

# Networks: the web tier is reachable through a floating IP, the database is not.
router = Router("edge", RouterArgs(external_network=settings.external_network))
frontend = PrivateNetwork(
    "frontend", PrivateNetworkArgs(cidr=settings.frontend_cidr, router=router)
)
backend = PrivateNetwork("backend", PrivateNetworkArgs(cidr=settings.backend_cidr, router=router))

# Firewall: HTTP(S) from anywhere, MySQL from the web tier only, SSH from admins only.
admin_ssh = (
    [IngressRule(22, settings.admin_cidr, description="SSH from administrators")]
    if settings.admin_cidr
    else []
)
web_firewall = SecurityGroup(
    "web",
    SecurityGroupArgs(
        description="WordPress: HTTP and HTTPS from anywhere",
        ingress=[IngressRule(80, ANYWHERE), IngressRule(443, ANYWHERE), *admin_ssh],
    ),
)
db_firewall = SecurityGroup(
    "db",
    SecurityGroupArgs(
        description="MySQL: only from the frontend subnet",
        ingress=[IngressRule(3306, settings.frontend_cidr, description="WordPress"), *admin_ssh],
    ),
)

key_pair = (
    KeyPair("admin", KeyPairArgs(public_key=settings.public_key)) if settings.public_key else None
)

# Secrets are generated here and travel encrypted in the state, never in config files.
db_password = random.RandomPassword("db-password", length=32, special=False)
wordpress_salt = random.RandomPassword("wordpress-salt", length=64, special=False)
admin_password = random.RandomPassword("wordpress-admin-password", length=24, special=False)


def mariadb_host_pattern(cidr: str) -> str:
    """MariaDB accounts take a subnet as address/netmask, not as a CIDR prefix."""
    network = ipaddress.ip_network(cidr)
    return f"{network.network_address}/{network.netmask}"


# Database tier: MySQL on the backend network, its data on a protected volume.
mysql = Server(
    "mysql",
    ServerArgs(
        role="mysql",
        image=settings.image,
        flavor=settings.db_flavor,
        network=backend,
        security_groups=[db_firewall],
        key_pair=key_pair.key_pair_name if key_pair else None,
        data_volume=DataVolumeArgs(
            size_gb=settings.db_volume_size,
            volume_type=settings.db_volume_type or None,
            protect=settings.protect_data,
        ),
        cloud_config=CloudConfig(
            "cloud-init/mysql.yaml",
            {
                "db_password": db_password.result,
                "web_clients": mariadb_host_pattern(settings.frontend_cidr),
            },
        ),
    ),
)

# Web tier: the floating IP comes first, so the site is installed under its final URL.
site = PublicAddress("wordpress", PublicAddressArgs(pool=settings.external_network))
site_url = (
    f"http://{settings.site_hostname}"
    if settings.site_hostname
    else pulumi.Output.concat("http://", site.address)
)
wordpress = Server(
    "wordpress",
    ServerArgs(
        role="wordpress",
        image=settings.image,
        flavor=settings.web_flavor,
        network=frontend,
        security_groups=[web_firewall],
        key_pair=key_pair.key_pair_name if key_pair else None,
        public_address=site,
        cloud_config=CloudConfig(
            "cloud-init/wordpress.yaml",
            {
                "db_host": mysql.private_ip,
                "db_password": db_password.result,
                "auth_salt": wordpress_salt.result,
                "site_url": site_url,
                "admin_user": settings.admin_user,
                "admin_email": settings.admin_email,
                "admin_password": admin_password.result,
            },
        ),
    ),
)

pulumi.export("site_url", pulumi.Output.concat(site_url, "/"))
pulumi.export("wordpress_public_ip", site.address)
pulumi.export("wordpress_private_ip", wordpress.private_ip)
pulumi.export("mysql_private_ip", mysql.private_ip)
pulumi.export("mysql_volume_id", mysql.volume_id)
pulumi.export("admin_user", settings.admin_user)
pulumi.export("admin_password", pulumi.Output.secret(admin_password.result))
