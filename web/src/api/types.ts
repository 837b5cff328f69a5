/** Response types, taken from the schema generated from the service's OpenAPI (`npm run gen:api`). */
import type { components } from "./schema";

type Schemas = components["schemas"];

export type Overview = Schemas["Overview"];
export type NowCard = Schemas["NowCard"];
export type NowSummary = Schemas["Summary"];
export type PublicConfig = Schemas["PublicConfig"];
export type Health = Schemas["Health"];
export type ErrorBody = Schemas["ErrorBody"];
