/**
 * Refuses a second identical annotation (the same user reacting with the same key to the same event, with the
 * same event type) with 400 `M_DUPLICATE_ANNOTATION`, as Synapse does, so reaction counts stay honest.
 */
import type { JsonObject } from '../../crypto/canonicalJson.ts';
import type { EventRelationsReadStore } from '../../storage/databases/main/eventRelationsReadStore.ts';
import { relationOf } from '../../storage/databases/main/eventContentIndexes.ts';
import { MatrixError } from '../matrixError.ts';

export class AnnotationGuard {
  constructor(private readonly relations: EventRelationsReadStore) {}

  /** `isRetry` (a send with a transaction ID already used) is asked only for annotations: it costs a lookup. */
  check(sender: string, eventType: string, content: JsonObject, isRetry: () => boolean = () => false): void {
    const relation = relationOf(content);
    if (relation?.relType !== 'm.annotation' || relation.key === null || isRetry()) return;
    if (this.relations.hasAnnotation(relation.eventId, sender, eventType, relation.key)) {
      throw new MatrixError(400, 'M_DUPLICATE_ANNOTATION', "Can't send same reaction twice");
    }
  }
}
