-- Stalking Protection Act 2019 s.9: a defendant notifies name(s) and home
-- address "within the period of 3 days beginning with the date of service",
-- and within 3 days beginning with the date of a change. Obligations were
-- recorded as due 72 hours after their trigger; they are due at the last
-- millisecond of the third UK day beginning with the trigger's day
-- (domain::NotificationDueTime), e.g. served 23:30 on 2 March: due
-- 23:59:59.999 on 4 March, London time, GMT or BST.
-- Only obligations still open: one already notified was judged on time or
-- late against the deadline recorded then, and its history says so.
UPDATE protection_order_notifications
   SET due_time = (((trigger_time AT TIME ZONE 'Europe/London')::date + 3)::timestamp
                   AT TIME ZONE 'Europe/London') - interval '1 millisecond'
 WHERE notify_time IS NULL;
