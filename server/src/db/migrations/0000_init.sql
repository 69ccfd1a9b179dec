CREATE TABLE "chats" (
	"id" uuid PRIMARY KEY NOT NULL,
	"owner_id" text NOT NULL,
	"title" text NOT NULL,
	"model" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "messages" (
	"id" uuid PRIMARY KEY NOT NULL,
	"chat_id" uuid NOT NULL,
	"owner_id" text NOT NULL,
	"role" text NOT NULL,
	"content" text NOT NULL,
	"status" text NOT NULL,
	"model" text NOT NULL,
	"parent_id" uuid,
	"client_message_id" text,
	"finish_reason" text,
	"input_tokens" integer,
	"output_tokens" integer,
	"error_code" text,
	"error_message" text,
	"cached" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"completed_at" timestamp with time zone,
	CONSTRAINT "messages_role_check" CHECK (role IN ('user', 'assistant')),
	CONSTRAINT "messages_status_check" CHECK (status IN ('streaming', 'complete', 'cancelled', 'error', 'interrupted')),
	CONSTRAINT "messages_parent_check" CHECK ((role = 'user') = (parent_id IS NULL))
);
--> statement-breakpoint
ALTER TABLE "messages" ADD CONSTRAINT "messages_chat_id_chats_id_fk" FOREIGN KEY ("chat_id") REFERENCES "public"."chats"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "messages" ADD CONSTRAINT "messages_parent_id_messages_id_fk" FOREIGN KEY ("parent_id") REFERENCES "public"."messages"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "chats_owner_updated_idx" ON "chats" USING btree ("owner_id","updated_at" DESC NULLS FIRST,"id" DESC NULLS FIRST);--> statement-breakpoint
CREATE INDEX "messages_chat_created_idx" ON "messages" USING btree ("chat_id","created_at");--> statement-breakpoint
CREATE INDEX "messages_parent_created_idx" ON "messages" USING btree ("parent_id","created_at");--> statement-breakpoint
CREATE INDEX "messages_owner_streaming_idx" ON "messages" USING btree ("owner_id") WHERE status = 'streaming';--> statement-breakpoint
CREATE UNIQUE INDEX "messages_one_streaming_per_chat" ON "messages" USING btree ("chat_id") WHERE status = 'streaming';--> statement-breakpoint
CREATE UNIQUE INDEX "messages_chat_client_message_id_unique" ON "messages" USING btree ("chat_id","client_message_id") WHERE client_message_id IS NOT NULL;