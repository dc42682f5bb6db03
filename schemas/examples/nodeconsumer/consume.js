// Reads wearables.workouts with kafkajs and @kafkajs/confluent-schema-registry
// and prints one line per record. The README's "Consuming the topics" shows
// this file, and a Go test (schemas/consumer_examples_test.go) runs it.
const { Kafka, logLevel } = require("kafkajs");
const { SchemaRegistry } = require("@kafkajs/confluent-schema-registry");

const kafka = new Kafka({
  clientId: "example-workouts",
  brokers: process.env.KAFKA_BROKERS.split(","),
  logLevel: logLevel.NOTHING,
});
const registry = new SchemaRegistry({ host: process.env.SCHEMA_REGISTRY_URL });
// readUncommitted defaults to false: read_committed, as the processor writes in transactions.
const consumer = kafka.consumer({ groupId: "example-workouts-node" });

async function main() {
  await consumer.connect();
  await consumer.subscribe({ topics: ["wearables.workouts"], fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      // Magic byte 0, 4-byte schema id, Avro body: decode() fetches the schema by id.
      const w = await registry.decode(message.value);
      const start = new Date(w.start_time).toISOString().replace(".000Z", "Z");
      const offset = (w.zone_offset >= 0 ? "+" : "") + w.zone_offset; // minutes east of UTC
      // The key is the user id as plain text.
      console.log(`${message.key.toString()} ${w.id} ${w.change} v${w.version} ${w.type} ${start} ${offset} min deleted=${w.deleted}`);
    },
  });
}

consumer.on(consumer.events.CRASH, ({ payload }) => {
  console.error(`consumer crashed: ${payload.error.name}: ${payload.error.message}`);
  process.exit(1);
});
main().catch((err) => {
  console.error(err);
  process.exit(1);
});
