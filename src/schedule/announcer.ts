import type { Announcement, ScheduledEvent } from "../db/scheduled-events-repo.js";
import type { ScheduledEventsStore } from "../db/store.js";
import type { AnnouncementOutcome, EventAnnouncements } from "../oauth/index.js";

const planned = (event: ScheduledEvent) => ({ eventId: event.id, title: event.title, description: event.description, startsAt: event.startsAt, endsAt: event.endsAt });

/**
 * Keeps each platform's announcement of an event in step with it, recording every answer: on a
 * change, what was announced is updated and what was refused (or failed) is tried again.
 */
export class Announcer {
  constructor(
    private readonly repo: ScheduledEventsStore,
    private readonly platforms: EventAnnouncements,
  ) {}

  /** Announces (or updates) the event on every linked account of its stream, at once; resolves when all answered. */
  async announce(event: ScheduledEvent): Promise<Announcement[]> {
    const targets = await this.platforms.targets(event.streamId);
    await Promise.all(
      targets.map(async (target) => {
        const before = await this.repo.announcement(event.id, target.accountId);
        // Kept through a refusal: what the platform made before is updated, never made twice.
        const existing = before && before.state !== "withdrawn" ? before.externalId : null;
        await this.save(event.id, await this.platforms.announce(target, planned(event), existing));
      }),
    );
    return this.repo.announcements(event.id);
  }

  /** Takes the event back wherever it was announced. */
  async withdraw(event: ScheduledEvent): Promise<Announcement[]> {
    await Promise.all(
      (await this.repo.announcements(event.id)).map(async (a) => {
        if (a.state === "withdrawn" || !a.externalId) return;
        await this.save(event.id, await this.platforms.withdraw({ accountId: a.accountId, platform: a.platform }, planned(event), a.externalId));
      }),
    );
    return this.repo.announcements(event.id);
  }

  private async save(eventId: string, outcome: AnnouncementOutcome): Promise<void> {
    await this.repo.saveAnnouncement(eventId, { ...outcome, attemptedAt: new Date() });
  }
}
