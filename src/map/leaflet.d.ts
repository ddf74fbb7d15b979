// Leaflet's ES module build has the same exports as the package's typings
// (which describe its UMD build); the ES build loads in the browser and the
// test runner without a CommonJS step.
declare module 'leaflet/dist/leaflet-src.esm.js' {
  export * from 'leaflet';
}

// Vite's `?inline` suffix: the stylesheet's text, not injected into the page.
declare module '*.css?inline' {
  const text: string;
  export default text;
}
