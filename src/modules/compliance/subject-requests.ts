/**
 * Data-subject requests of one account (owner/admin only, enforced by the routes): find everything held
 * about a person by number or e-mail, export it, rectify it, erase it now, restrict it. Each action is
 * audited with counts and a hash reference, never the number or e-mail itself. This file composes the
 * parts: records (access, export, rectification), erasure and restrictions.
 */
import { createSubjectErasure } from './subject-erasure';
import { createSubjectRecords } from './subject-records';
import { createSubjectRestrictions } from './subject-restrictions';
import { type SubjectRequestsDeps, subjectHash } from './subjects';

export function createSubjectRequests(deps: SubjectRequestsDeps) {
  const records = createSubjectRecords(deps);
  const erasure = createSubjectErasure(deps);
  const restrictions = createSubjectRestrictions(deps);
  return {
    subjectHash,
    search: records.search,
    exportBundle: records.exportBundle,
    rectify: records.rectify,
    erase: erasure.erase,
    restrict: restrictions.restrict,
    blockedNumbers: restrictions.blockedNumbers,
    blockedAmongMany: restrictions.blockedAmongMany,
    omitRestricted: restrictions.omitRestricted,
    restrictedContacts: restrictions.restrictedContacts,
  };
}

export type SubjectRequests = ReturnType<typeof createSubjectRequests>;
