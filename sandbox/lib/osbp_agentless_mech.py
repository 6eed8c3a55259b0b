"""ML2 mechanism driver that binds every port without any L2 agent.

The sandbox runs no Open vSwitch, Linux bridge or OVN: ports only need to reach the
ACTIVE/bound state so that Nova's fake driver can "boot" servers on them.  For test rigs only.
"""

from neutron_lib import constants
from neutron_lib.api.definitions import portbindings
from neutron_lib.plugins.ml2 import api


class AgentlessMechanismDriver(api.MechanismDriver):
    """Bind any port on any host, on the first segment offered, as an OVS port."""

    def initialize(self):
        pass

    def bind_port(self, context):
        for segment in context.segments_to_bind:
            context.set_binding(
                segment[api.ID],
                portbindings.VIF_TYPE_OVS,
                {portbindings.CAP_PORT_FILTER: True, portbindings.OVS_HYBRID_PLUG: False},
                status=constants.PORT_STATUS_ACTIVE,
            )
            return
