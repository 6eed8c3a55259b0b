// pulumi-resource-openstack for the osbp acceptance rig.
//
// Our own Terraform-bridge provider over terraform-provider-openstack (SDKv2),
// standing in for the upstream pulumi-openstack provider module, which the Go
// module proxy reachable here refuses. It reports the version of the
// pulumi_openstack Python SDK it serves (set with -ldflags -X main.version)
// and maps Terraform resources/data sources to that SDK's type tokens and
// property names through mapping.json, which gen_openstack_mapping.py derives
// from the SDK wheel and checks against this binary's -osbp-dump-tf output.
package main

import (
	_ "embed"
	"fmt"
	"os"

	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge"
	shimv2 "github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfshim/sdk-v2"
	"github.com/terraform-provider-openstack/terraform-provider-openstack/v3/openstack"

	"osbp.invalid/providers/internal/bridgeinfo"
)

var version = "0.0.0-osbp"

//go:embed mapping.json
var mapping []byte

func main() {
	prov := tfbridge.ProviderInfo{
		P:           shimv2.NewProvider(openstack.Provider()),
		Name:        "openstack",
		Version:     version,
		GitHubOrg:   "terraform-provider-openstack",
		Description: "osbp stand-in bridge build of the OpenStack provider",
		License:     "Apache-2.0",
	}
	if err := bridgeinfo.Apply(&prov, mapping); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	// As the official provider does: a resource given no explicit `name` gets
	// "<resource name>-<7 random chars>", at most 255 characters.
	prov.SetAutonaming(255, "-")
	bridgeinfo.Serve("openstack", version, prov)
}
