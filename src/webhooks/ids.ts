// Ids of subscriptions and deliveries: the project's sortable ids (src/lib/ids.ts) under their own prefixes.
import { newId } from "../lib/ids";

/** `whk_<time><random>`: a webhook subscription. */
export const subscriptionId = (now = Date.now()) => `whk_${newId("req", now).slice(4)}`;
/** `dlv_<time><random>`: one delivery of one event to one subscription. */
export const deliveryId = (now = Date.now()) => `dlv_${newId("req", now).slice(4)}`;
/** `evt_<time><random>`: an event with nothing to derive an id from (a test ping). */
export const randomEventId = (now = Date.now()) => `evt_${newId("req", now).slice(4)}`;
