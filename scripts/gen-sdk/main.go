// gen-python-sdk: generates the Python SDK of a Pulumi package schema with the
// codegen library of pulumi/pkg/v3 (the same code `pulumi package gen-sdk`
// runs inside newer Python language hosts; the host awsml's toolchain can build,
// from sdk/v3 v3.68.0, predates the GeneratePackage RPC).
//
//	gen-python-sdk SCHEMA_JSON OUT_DIR VERSION
//
// The schema must not reference other packages (a null loader binds it).
// Binds (validates) the schema against the package metaschema, sets its version,
// and writes the SDK into OUT_DIR/python (removed first). Exit 1 on any error or
// schema diagnostic, printed on stderr.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/blang/semver"
	"github.com/pulumi/pulumi/pkg/v3/codegen/python"
	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
)

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "gen-python-sdk: "+format+"\n", args...)
	os.Exit(1)
}

func main() {
	if len(os.Args) != 4 {
		fmt.Fprintln(os.Stderr, "usage: gen-python-sdk SCHEMA_JSON OUT_DIR VERSION")
		os.Exit(2)
	}
	schemaPath, outDir, version := os.Args[1], os.Args[2], os.Args[3]
	if _, err := semver.ParseTolerant(version); err != nil {
		fail("version %q is not semver: %v", version, err)
	}
	data, err := os.ReadFile(schemaPath)
	if err != nil {
		fail("%v", err)
	}
	var spec schema.PackageSpec
	if err := json.Unmarshal(data, &spec); err != nil {
		fail("%s: %v", schemaPath, err)
	}
	spec.Version = version
	pkg, diags, err := schema.BindSpec(spec, schema.NewNullLoader(), schema.ValidationOptions{})
	if err != nil {
		fail("binding %s: %v", schemaPath, err)
	}
	for _, d := range diags {
		fmt.Fprintf(os.Stderr, "gen-python-sdk: %s: %s\n", schemaPath, d.Error())
	}
	if diags.HasErrors() {
		os.Exit(1)
	}
	files, err := python.GeneratePackage("pulumi", pkg, nil, nil)
	if err != nil {
		fail("generating the Python SDK: %v", err)
	}
	root := filepath.Join(outDir, "python")
	if err := os.RemoveAll(root); err != nil {
		fail("%v", err)
	}
	for name, content := range files {
		p := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			fail("%v", err)
		}
		if err := os.WriteFile(p, content, 0o644); err != nil {
			fail("%v", err)
		}
	}
	fmt.Fprintf(os.Stderr, "gen-python-sdk: %d files in %s\n", len(files), root)
}
