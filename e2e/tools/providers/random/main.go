// pulumi-resource-random for the osbp acceptance rig: a small provider of our
// own (provider.go, Terraform plugin SDK v2) served through the Terraform
// bridge, standing in for the upstream pulumi-random module that the Go
// module proxy reachable here refuses. Only RandomPassword and RandomString
// of the pulumi_random Python SDK are provided; result/bcryptHash are
// secrets as upstream. The version (-ldflags -X main.version) is the SDK's.
package main

import (
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge"
	shimv2 "github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfshim/sdk-v2"

	"osbp.invalid/providers/internal/bridgeinfo"
)

var version = "0.0.0-osbp"

func main() {
	secret := true
	prov := tfbridge.ProviderInfo{
		P:           shimv2.NewProvider(newProvider()),
		Name:        "random",
		Version:     version,
		Description: "osbp stand-in provider for random passwords and strings",
		License:     "Apache-2.0",
		Resources: map[string]*tfbridge.ResourceInfo{
			"random_password": {
				Tok: "random:index/randomPassword:RandomPassword",
				Fields: map[string]*tfbridge.SchemaInfo{
					"result":      {Secret: &secret},
					"bcrypt_hash": {Secret: &secret},
				},
			},
			"random_string": {Tok: "random:index/randomString:RandomString"},
		},
	}
	bridgeinfo.Serve("random", version, prov)
}
