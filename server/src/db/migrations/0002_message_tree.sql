ALTER TABLE "messages" DROP CONSTRAINT "messages_parent_check";--> statement-breakpoint
ALTER TABLE "messages" ADD CONSTRAINT "messages_answer_parent_check" CHECK (role = 'user' OR parent_id IS NOT NULL);--> statement-breakpoint
-- Before this migration a user message had no parent and the thread was every user message in created order,
-- each with its newest answer. Pointing each one at the newest answer of the user message before it makes the
-- tree walk read exactly that thread.
WITH ordered AS (
	SELECT "id", lag("id") OVER (PARTITION BY "chat_id" ORDER BY "created_at", "id") AS "previous_id"
	FROM "messages"
	WHERE "role" = 'user'
)
UPDATE "messages" AS "m"
SET "parent_id" = (
	SELECT "answer"."id" FROM "messages" AS "answer"
	WHERE "answer"."parent_id" = "ordered"."previous_id" AND "answer"."role" = 'assistant'
	ORDER BY "answer"."created_at" DESC, "answer"."id" DESC
	LIMIT 1
)
FROM "ordered"
WHERE "m"."id" = "ordered"."id" AND "ordered"."previous_id" IS NOT NULL;
