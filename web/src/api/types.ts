/** Response types, taken from the schema generated from the service's OpenAPI (`npm run gen:api`). */
import type { components } from "./schema";

type Schemas = components["schemas"];

export type Overview = Schemas["Overview"];
export type NowCard = Schemas["NowCard"];
export type NowSummary = Schemas["Summary"];
export type PublicConfig = Schemas["PublicConfig"];
export type Access = Schemas["AccessInfo"];
export type Health = Schemas["Health"];
export type ErrorBody = Schemas["ErrorBody"];
export type HistoryPage = Schemas["HistoryPage"];
export type HistoryPlay = Schemas["HistoryPlay"];
export type PlayDetail = Schemas["PlayDetail"];
export type PlaySegment = Schemas["PlaySegment"];
export type ActiveUser = Schemas["ActiveUser"];
export type UserDetail = Schemas["UserDetail"];
export type NamedUse = Schemas["NamedUse"];
export type TopItem = Schemas["TopItem"];
export type ClientUse = Schemas["ClientUse"];
export type UserDay = Schemas["UserDay"];
export type TopUser = Schemas["TopUser"];
export type TopSeries = Schemas["TopSeries"];
export type PlayMethods = Schemas["PlayMethods"];
export type HeatCell = Schemas["HeatCell"];
export type Concurrency = Schemas["Concurrency"];
export type DayPeak = Schemas["DayPeak"];
export type Qualities = Schemas["Qualities"];
export type Codecs = Schemas["Codecs"];
export type ItemPage = Schemas["ItemPage"];
export type ListedItem = Schemas["ListedItem"];
export type Library = Schemas["Library"];
export type LibraryTotals = Schemas["LibraryTotals"];
export type TypeTotals = Schemas["TypeTotals"];
