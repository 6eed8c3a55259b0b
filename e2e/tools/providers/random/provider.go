package main

// A minimal Terraform (plugin SDK v2) provider with random_password and
// random_string, written for the osbp acceptance rig. Its schema follows the
// argument names of the pulumi_random Python SDK (length, special, upper,
// lower, numeric, number, min_*, override_special, keepers; computed result
// and, for passwords, bcrypt_hash). Every argument forces replacement, as
// upstream; the value is generated once on create and kept in state.

import (
	"context"
	"crypto/rand"
	"errors"
	"math/big"

	"github.com/hashicorp/terraform-plugin-sdk/v2/diag"
	"github.com/hashicorp/terraform-plugin-sdk/v2/helper/schema"
	"golang.org/x/crypto/bcrypt"
)

const (
	lowerChars   = "abcdefghijklmnopqrstuvwxyz"
	upperChars   = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	numericChars = "0123456789"
	specialChars = "!@#$%&*()-_=+[]{}<>:?"
)

func newProvider() *schema.Provider {
	return &schema.Provider{
		ResourcesMap: map[string]*schema.Resource{
			"random_password": stringResource(true),
			"random_string":   stringResource(false),
		},
	}
}

func stringResource(password bool) *schema.Resource {
	b := func(desc string) *schema.Schema {
		return &schema.Schema{Type: schema.TypeBool, Optional: true, Default: true, ForceNew: true, Description: desc}
	}
	i := func(desc string) *schema.Schema {
		return &schema.Schema{Type: schema.TypeInt, Optional: true, Default: 0, ForceNew: true, Description: desc}
	}
	s := map[string]*schema.Schema{
		"keepers": {Type: schema.TypeMap, Optional: true, ForceNew: true, Elem: &schema.Schema{Type: schema.TypeString},
			Description: "Arbitrary values that, when changed, replace the resource."},
		"length": {Type: schema.TypeInt, Required: true, ForceNew: true,
			Description: "Length of the result (>= the sum of the min_* values)."},
		"special":          b("Include special characters."),
		"upper":            b("Include uppercase letters."),
		"lower":            b("Include lowercase letters."),
		"numeric":          b("Include digits."),
		"number":           {Type: schema.TypeBool, Optional: true, Default: true, ForceNew: true, Deprecated: "use numeric", Description: "Include digits (deprecated: numeric)."},
		"min_special":      i("Minimum number of special characters."),
		"min_upper":        i("Minimum number of uppercase letters."),
		"min_lower":        i("Minimum number of lowercase letters."),
		"min_numeric":      i("Minimum number of digits."),
		"override_special": {Type: schema.TypeString, Optional: true, ForceNew: true, Description: "Special characters to use instead of the default set."},
		"result":           {Type: schema.TypeString, Computed: true, Sensitive: password, Description: "The generated value."},
	}
	if password {
		s["bcrypt_hash"] = &schema.Schema{Type: schema.TypeString, Computed: true, Sensitive: true,
			Description: "bcrypt hash of result."}
	}
	return &schema.Resource{
		Schema: s,
		CreateContext: func(ctx context.Context, d *schema.ResourceData, _ interface{}) diag.Diagnostics {
			res, err := generate(d)
			if err != nil {
				return diag.FromErr(err)
			}
			if password {
				h, err := bcrypt.GenerateFromPassword([]byte(res), bcrypt.DefaultCost)
				if err != nil {
					return diag.FromErr(err)
				}
				if err := d.Set("bcrypt_hash", string(h)); err != nil {
					return diag.FromErr(err)
				}
			}
			if err := d.Set("result", res); err != nil {
				return diag.FromErr(err)
			}
			d.SetId("none")
			if !password {
				d.SetId(res)
			}
			return nil
		},
		ReadContext: func(context.Context, *schema.ResourceData, interface{}) diag.Diagnostics { return nil },
		DeleteContext: func(_ context.Context, d *schema.ResourceData, _ interface{}) diag.Diagnostics {
			d.SetId("")
			return nil
		},
	}
}

func pick(set string) (byte, error) {
	n, err := rand.Int(rand.Reader, big.NewInt(int64(len(set))))
	if err != nil {
		return 0, err
	}
	return set[n.Int64()], nil
}

func generate(d *schema.ResourceData) (string, error) {
	length := d.Get("length").(int)
	special := specialChars
	if v, ok := d.GetOk("override_special"); ok {
		special = v.(string)
	}
	classes := []struct {
		on    bool
		chars string
		min   int
	}{
		{d.Get("upper").(bool), upperChars, d.Get("min_upper").(int)},
		{d.Get("lower").(bool), lowerChars, d.Get("min_lower").(int)},
		{d.Get("numeric").(bool) && d.Get("number").(bool), numericChars, d.Get("min_numeric").(int)},
		{d.Get("special").(bool), special, d.Get("min_special").(int)},
	}
	var out []byte
	all := ""
	for _, c := range classes {
		if c.min > 0 && c.chars == "" {
			return "", errors.New("a min_* count is set for an empty character set")
		}
		for k := 0; k < c.min; k++ {
			ch, err := pick(c.chars)
			if err != nil {
				return "", err
			}
			out = append(out, ch)
		}
		if c.on {
			all += c.chars
		}
	}
	if len(out) > length {
		return "", errors.New("length must be >= min_upper + min_lower + min_numeric + min_special")
	}
	if len(out) < length && all == "" {
		return "", errors.New("no character class enabled")
	}
	for len(out) < length {
		ch, err := pick(all)
		if err != nil {
			return "", err
		}
		out = append(out, ch)
	}
	// Shuffle so the min_* characters are not at the front.
	for k := len(out) - 1; k > 0; k-- {
		j, err := rand.Int(rand.Reader, big.NewInt(int64(k+1)))
		if err != nil {
			return "", err
		}
		out[k], out[j.Int64()] = out[j.Int64()], out[k]
	}
	return string(out), nil
}
