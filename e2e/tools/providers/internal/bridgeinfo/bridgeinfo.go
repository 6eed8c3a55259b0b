// Package bridgeinfo holds the small amount of glue shared by the osbp
// stand-in providers: loading an explicit token/field mapping (JSON) into
// tfbridge info structures, and dumping a Terraform provider's schema with
// the Pulumi names the bridge derives, so that the mapping can be checked
// against the published Python SDK (see ../../gen_openstack_mapping.py).
package bridgeinfo

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"

	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge"
	shim "github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfshim"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
)

// Field is a per-property override (a subset of tfbridge.SchemaInfo).
type Field struct {
	Name        string            `json:"name,omitempty"`
	MaxItemsOne *bool             `json:"maxItemsOne,omitempty"`
	Secret      *bool             `json:"secret,omitempty"`
	Elem        *Field            `json:"elem,omitempty"`
	Fields      map[string]*Field `json:"fields,omitempty"`
}

// Entry maps one Terraform resource or data source to a Pulumi token.
//
// AliasOf names the Terraform resource/data source that the entry's key
// serves as a copy of, so that a second SDK token (a legacy module layout)
// reaches the same Terraform implementation.
type Entry struct {
	Tok     string            `json:"tok"`
	AliasOf string            `json:"aliasOf,omitempty"`
	Fields  map[string]*Field `json:"fields,omitempty"`
}

// Mapping is the JSON document embedded in a provider binary.
type Mapping struct {
	Comment     string            `json:"comment,omitempty"`
	Config      map[string]*Field `json:"config,omitempty"`
	Resources   map[string]*Entry `json:"resources"`
	DataSources map[string]*Entry `json:"dataSources"`
}

func (f *Field) info() *tfbridge.SchemaInfo {
	if f == nil {
		return nil
	}
	si := &tfbridge.SchemaInfo{Name: f.Name, MaxItemsOne: f.MaxItemsOne, Secret: f.Secret}
	if f.Elem != nil {
		si.Elem = f.Elem.info()
	}
	si.Fields = fields(f.Fields)
	return si
}

func fields(m map[string]*Field) map[string]*tfbridge.SchemaInfo {
	if len(m) == 0 {
		return nil
	}
	out := make(map[string]*tfbridge.SchemaInfo, len(m))
	for k, v := range m {
		out[k] = v.info()
	}
	return out
}

// provide checks that the Terraform provider has tf (a resource or data
// source, per kind), first registering it as a copy of aliasOf when set.
func provide(all shim.ResourceMap, kind, tf, aliasOf string) error {
	if aliasOf != "" {
		r, ok := all.GetOk(aliasOf)
		if !ok {
			return fmt.Errorf("mapping: %s %s not in the Terraform provider", kind, aliasOf)
		}
		all.Set(tf, r)
	}
	if _, ok := all.GetOk(tf); !ok {
		return fmt.Errorf("mapping: %s %s not in the Terraform provider", kind, tf)
	}
	return nil
}

// Serve runs the provider, or with the single argument -osbp-dump-tf prints
// the Terraform schema with the Pulumi names the bridge derives (see Dump).
func Serve(name, version string, prov tfbridge.ProviderInfo) {
	if len(os.Args) == 2 && os.Args[1] == "-osbp-dump-tf" {
		if err := Dump(os.Stdout, &prov); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		return
	}
	tfbridge.Main(name, version, prov, nil)
}

// Apply parses the mapping and fills prov.Resources, prov.DataSources and
// prov.Config. Every mapped Terraform name must exist in prov.P.
func Apply(prov *tfbridge.ProviderInfo, doc []byte) error {
	var m Mapping
	if err := json.Unmarshal(doc, &m); err != nil {
		return fmt.Errorf("mapping: %w", err)
	}
	prov.Resources = map[string]*tfbridge.ResourceInfo{}
	prov.DataSources = map[string]*tfbridge.DataSourceInfo{}
	for tf, e := range m.Resources {
		if err := provide(prov.P.ResourcesMap(), "resource", tf, e.AliasOf); err != nil {
			return err
		}
		prov.Resources[tf] = &tfbridge.ResourceInfo{Tok: tokens.Type(e.Tok), Fields: fields(e.Fields)}
	}
	for tf, e := range m.DataSources {
		if err := provide(prov.P.DataSourcesMap(), "data source", tf, e.AliasOf); err != nil {
			return err
		}
		prov.DataSources[tf] = &tfbridge.DataSourceInfo{Tok: tokens.ModuleMember(e.Tok), Fields: fields(e.Fields)}
	}
	if len(m.Config) > 0 {
		prov.Config = fields(m.Config)
	}
	return nil
}

// DumpField describes one Terraform attribute/block and the Pulumi name the
// bridge derives for it (with the overrides applied).
type DumpField struct {
	Pulumi    string `json:"pulumi"`
	Auto      string `json:"auto"`
	Type      string `json:"type"`
	MaxItems  int    `json:"maxItems,omitempty"`
	Optional  bool   `json:"optional,omitempty"`
	Required  bool   `json:"required,omitempty"`
	Computed  bool   `json:"computed,omitempty"`
	Sensitive bool   `json:"sensitive,omitempty"`
	// Flat: a List/Set the bridge presents as a single value (MaxItems 1, or the
	// mapping's maxItemsOne override): what the SDK must type as one object.
	Flat      bool                  `json:"flat,omitempty"`
	AutoNamed bool                  `json:"autoNamed,omitempty"`
	Elem      string                `json:"elem,omitempty"`
	Fields    map[string]*DumpField `json:"fields,omitempty"`
}

func dumpMap(sm shim.SchemaMap, infos map[string]*tfbridge.SchemaInfo) map[string]*DumpField {
	out := map[string]*DumpField{}
	sm.Range(func(k string, s shim.Schema) bool {
		d := &DumpField{
			Pulumi:    tfbridge.TerraformToPulumiNameV2(k, sm, infos),
			Auto:      tfbridge.TerraformToPulumiNameV2(k, sm, nil),
			Type:      s.Type().String(),
			MaxItems:  s.MaxItems(),
			Optional:  s.Optional(),
			Required:  s.Required(),
			Computed:  s.Computed(),
			Sensitive: s.Sensitive(),
		}
		si := infos[k]
		if t := s.Type(); t == shim.TypeList || t == shim.TypeSet {
			d.Flat = tfbridge.IsMaxItemsOne(s, si)
		}
		d.AutoNamed = si != nil && si.Default != nil && si.Default.AutoNamed
		var sub map[string]*tfbridge.SchemaInfo
		if si != nil && si.Elem != nil {
			sub = si.Elem.Fields
		}
		switch e := s.Elem().(type) {
		case shim.Resource:
			d.Fields = dumpMap(e.Schema(), sub)
		case shim.Schema:
			d.Elem = e.Type().String()
		}
		out[k] = d
		return true
	})
	return out
}

// Dump writes {"config":…, "resources": {tf: {"tok":…, "fields":…}}, "dataSources":…}
// for every resource/data source of the Terraform provider (tok empty when unmapped).
func Dump(w io.Writer, prov *tfbridge.ProviderInfo) error {
	type ent struct {
		Tok    string                `json:"tok,omitempty"`
		Fields map[string]*DumpField `json:"fields"`
	}
	doc := struct {
		Config      map[string]*DumpField `json:"config"`
		Resources   map[string]ent        `json:"resources"`
		DataSources map[string]ent        `json:"dataSources"`
	}{dumpMap(prov.P.Schema(), prov.Config), map[string]ent{}, map[string]ent{}}
	var names []string
	prov.P.ResourcesMap().Range(func(k string, r shim.Resource) bool { names = append(names, k); return true })
	sort.Strings(names)
	for _, k := range names {
		r := prov.P.ResourcesMap().Get(k)
		e := ent{}
		var infos map[string]*tfbridge.SchemaInfo
		if ri := prov.Resources[k]; ri != nil {
			e.Tok, infos = string(ri.Tok), ri.Fields
		}
		e.Fields = dumpMap(r.Schema(), infos)
		doc.Resources[k] = e
	}
	prov.P.DataSourcesMap().Range(func(k string, r shim.Resource) bool {
		e := ent{}
		var infos map[string]*tfbridge.SchemaInfo
		if di := prov.DataSources[k]; di != nil {
			e.Tok, infos = string(di.Tok), di.Fields
		}
		e.Fields = dumpMap(r.Schema(), infos)
		doc.DataSources[k] = e
		return true
	})
	enc := json.NewEncoder(w)
	enc.SetIndent("", " ")
	return enc.Encode(doc)
}
