// Its own module so that naming it does not load the catalog reader (and its YAML and ajv).

/** A catalog that cannot be loaded: missing, unparsable, invalid or incomplete files. */
export class CatalogError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CatalogError';
  }
}
