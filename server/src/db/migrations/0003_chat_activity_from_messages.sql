DROP INDEX "messages_one_streaming_per_chat";--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "concurrent" boolean DEFAULT false NOT NULL;--> statement-breakpoint
CREATE INDEX "messages_owner_created_idx" ON "messages" USING btree ("owner_id","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "messages_one_streaming_per_chat" ON "messages" USING btree ("chat_id") WHERE status = 'streaming' AND NOT concurrent;