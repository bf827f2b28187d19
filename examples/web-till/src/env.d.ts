/// <reference types="vite/client" />

interface ImportMetaEnv {
  /** the sync server the dev script started (npm run dev); the URL's `server` parameter wins */
  readonly VITE_TILLKIT_SERVER?: string;
}

interface ImportMeta {
  readonly env: ImportMetaEnv;
}
