-- PostgreSQL's copy of ../0015_activity_by_week.sql. Why it differs: here the counts' index
-- leads with the week. /participation summary reads one week of a cohort; with the week
-- second, that week's index entries are one contiguous range (an index-only scan of ~26
-- pages for 13,000 rows, grouped in index order), where the per-learner order made
-- PostgreSQL seek once per learner of a 1,000-long IN list (3,000 pages, then a hash
-- aggregate): the query's median went from 5.6 to ~3 ms (README, Benchmarks). The index
-- replaces the old one (no extra cost per tracked message); one learner's rows are still
-- found by activity_by_user, and the whole course reads the cohort's range either way.
-- Building it locks writes to activity for as long as it takes (about a second per
-- million rows on the benchmark's machine); the tracker's buffer waits meanwhile.
DROP INDEX activity_by_cohort;
CREATE INDEX activity_by_cohort_week ON activity (cohort_id, week, user_id, kind);
