// gen-sdk: generates a language SDK of a Pulumi package schema with the codegen
// library of pulumi/pkg/v3 (the same code `pulumi package gen-sdk --language L`
// runs inside newer language hosts; the hosts awsml's toolchain can build predate
// the GeneratePackage RPC).
//
//	gen-sdk LANGUAGE SCHEMA_JSON OUT_DIR VERSION     LANGUAGE: python, nodejs or go
//
// The schema must not reference other packages (a null loader binds it).
// Binds (validates) the schema against the package metaschema, sets its version,
// and writes the SDK into OUT_DIR/LANGUAGE (removed first), as the codegen lays
// it out (for go: the root package's files at the top, one folder per module).
// Exit 1 on any error or schema diagnostic, printed on stderr.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/blang/semver"
	gogen "github.com/pulumi/pulumi/pkg/v3/codegen/go"
	"github.com/pulumi/pulumi/pkg/v3/codegen/nodejs"
	"github.com/pulumi/pulumi/pkg/v3/codegen/python"
	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
)

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "gen-sdk: "+format+"\n", args...)
	os.Exit(1)
}

func main() {
	if len(os.Args) != 5 {
		fmt.Fprintln(os.Stderr, "usage: gen-sdk LANGUAGE SCHEMA_JSON OUT_DIR VERSION")
		os.Exit(2)
	}
	lang, schemaPath, outDir, version := os.Args[1], os.Args[2], os.Args[3], os.Args[4]
	if lang != "python" && lang != "nodejs" && lang != "go" {
		fail("unknown language %q (python, nodejs or go)", lang)
	}
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
		fmt.Fprintf(os.Stderr, "gen-sdk: %s: %s\n", schemaPath, d.Error())
	}
	if diags.HasErrors() {
		os.Exit(1)
	}
	var files map[string][]byte
	switch lang {
	case "python":
		files, err = python.GeneratePackage("pulumi", pkg, nil, nil)
	case "nodejs":
		files, err = nodejs.GeneratePackage("pulumi", pkg, nil, nil, false, nil) // (the loader is asked only for dependencies: none)
	case "go":
		files, err = gogen.GeneratePackage("pulumi", pkg, nil)
	}
	if err != nil {
		fail("generating the %s SDK: %v", lang, err)
	}
	root := filepath.Join(outDir, lang)
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
	fmt.Fprintf(os.Stderr, "gen-sdk: %s: %d files in %s\n", lang, len(files), root)
}
