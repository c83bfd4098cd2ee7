import * as v from "valibot";
import { Members } from "../../protocol/guild.ts";
import { Id } from "../../protocol/user.ts";
import data from "./data.json" with { type: "json" };

const Dataset = v.object({
  servers: v.record(
    Id,
    v.object({
      id: Id,
      name: v.string(),
      default: v.optional(v.boolean(), false),
      passworded: v.optional(v.boolean(), false),
      users: Members,
    }),
  ),
  messages: v.pipe(v.array(v.string()), v.minLength(1)),
  messageChannel: Id,
  presenceIntervalSeconds: v.pipe(v.number(), v.minValue(0.01)),
  messageIntervalSeconds: v.pipe(v.number(), v.minValue(0.01)),
});
export type Dataset = v.InferOutput<typeof Dataset>;

/** The mock world (4 guilds, 27 members), checked once when first imported. */
export const dataset: Dataset = v.parse(Dataset, data);
