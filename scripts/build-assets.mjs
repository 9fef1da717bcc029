// Copies the front-end libraries from node_modules into cityops/static/vendor/<package>/.
// Plain Node, no bundler: the files are served as they are published on npm.
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const modules = join(root, "node_modules");
const vendor = join(root, "cityops", "static", "vendor");

// package → [source path inside the package, target path inside vendor/<package>/]
const FILES = {
  leaflet: [
    ["dist/leaflet.js", "leaflet.js"],
    // leaflet.js names its source map; collectstatic's manifest storage requires the file to exist
    ["dist/leaflet.js.map", "leaflet.js.map"],
    ["dist/leaflet.css", "leaflet.css"],
    ["dist/images", "images"],
  ],
  // the clustering plugin of the case map; its .js names a source map, copied for the same reason
  "leaflet.markercluster": [
    ["dist/leaflet.markercluster.js", "leaflet.markercluster.js"],
    ["dist/leaflet.markercluster.js.map", "leaflet.markercluster.js.map"],
    ["dist/MarkerCluster.css", "MarkerCluster.css"],
    ["dist/MarkerCluster.Default.css", "MarkerCluster.Default.css"],
  ],
  echarts: [["dist/echarts.min.js", "echarts.min.js"]],
  // live view of a camera (HLS from the media server); its .js names a source map, copied for the reason above
  "hls.js": [
    ["dist/hls.min.js", "hls.min.js"],
    ["dist/hls.min.js.map", "hls.min.js.map"],
  ],
  "htmx.org": [["dist/htmx.min.js", "htmx.min.js"]],
  // the API docs page (/api/v1/docs); its .css names a source map, copied for the reason above
  "swagger-ui-dist": [
    ["swagger-ui-bundle.js", "swagger-ui-bundle.js"],
    ["swagger-ui.css", "swagger-ui.css"],
    ["swagger-ui.css.map", "swagger-ui.css.map"],
  ],
};

function version(pkg) {
  return JSON.parse(readFileSync(join(modules, pkg, "package.json"), "utf8")).version;
}

rmSync(vendor, { recursive: true, force: true });
for (const [pkg, files] of Object.entries(FILES)) {
  if (!existsSync(join(modules, pkg))) {
    console.error(`build-assets: ${pkg} is not installed; run 'npm ci' first.`);
    process.exit(1);
  }
  const target = join(vendor, pkg);
  mkdirSync(target, { recursive: true });
  for (const [src, dest] of files) {
    const from = join(modules, pkg, src);
    if (!existsSync(from)) {
      console.error(`build-assets: ${pkg}/${src} is missing from the installed package.`);
      process.exit(1);
    }
    cpSync(from, join(target, dest), { recursive: true });
  }
  console.log(`build-assets: ${pkg} ${version(pkg)} → cityops/static/vendor/${pkg}/`);
}
