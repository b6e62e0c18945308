/** Reports of rooms, events and users by users, kept for the server's administrator (m0011_pushers_and_reports.ts). */
import type { Database } from '../../engine/database.ts';

export interface ContentReport {
  readonly reporter: string;
  readonly roomId: string | null;
  readonly eventId: string | null;
  readonly reportedUser?: string | null;
  readonly reason: string | null;
  readonly score: number | null;
}

export class ContentReportsStore {
  constructor(private readonly db: Database) {}

  add(report: ContentReport, now: number): number {
    return Number(
      this.db
        .prepare('INSERT INTO content_reports (reporter, room_id, event_id, reported_user, reason, score, received_ts) VALUES (?, ?, ?, ?, ?, ?, ?)')
        .run(report.reporter, report.roomId, report.eventId, report.reportedUser ?? null, report.reason, report.score, now).lastInsertRowid,
    );
  }

  list(): (ContentReport & { id: number; receivedTs: number })[] {
    const rows = this.db.prepare('SELECT * FROM content_reports ORDER BY id').all() as {
      id: number;
      reporter: string;
      room_id: string | null;
      event_id: string | null;
      reported_user: string | null;
      reason: string | null;
      score: number | null;
      received_ts: number;
    }[];
    return rows.map((r) => ({ id: r.id, reporter: r.reporter, roomId: r.room_id, eventId: r.event_id, reportedUser: r.reported_user, reason: r.reason, score: r.score, receivedTs: r.received_ts }));
  }
}
