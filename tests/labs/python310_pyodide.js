// Runs tests/labs/python310_run.py in a real CPython 3.10 (Pyodide 0.22.1,
// CPython 3.10.2 compiled to WebAssembly, from npm), with the labs' folder
// mounted at /labs. Gradescope's Ubuntu 22.04 image runs students' code in
// Python 3.10; osgrid's machines have only 3.11. Run by scripts/lab-bundle-test
// (before a release), not by CI:
//   node python310_pyodide.js PYODIDE_PREFIX LABS_DIR
// where PYODIDE_PREFIX holds node_modules/pyodide (npm install --prefix DIR pyodide@0.22.1),
// and LABS_DIR is a copy of labs/ with each mutant patch applied as
// mutants/NAME.py (`patch --output`: Pyodide has no patch program).
const fs = require("fs");
const path = require("path");

const [prefix, labs] = process.argv.slice(2);
const { loadPyodide } = require(path.join(prefix, "node_modules", "pyodide", "pyodide.js"));

(async () => {
  const pyodide = await loadPyodide({ indexURL: path.join(prefix, "node_modules", "pyodide") });
  pyodide.FS.mkdir("/labs");
  pyodide.FS.mount(pyodide.FS.filesystems.NODEFS, { root: path.resolve(labs) }, "/labs");
  const code = fs.readFileSync(path.join(__dirname, "python310_run.py"), "utf8");
  const status = pyodide.runPython(code);
  process.exit(status);
})().catch((error) => {
  console.error(error);
  process.exit(2);
});
