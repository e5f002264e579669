-- Kerja sama desa as Permendagri 96/2017 describes it (issue #17): the kind (antar desa or with a
-- pihak ketiga), the stage on the road to signing and after, every Pasal 6 clause, the parties'
-- details (third party kind, address, contact person; signatories), funding per party, the
-- executing team, the offers (penawaran) per partner, the period reports (pelaporan), and a
-- timeline that knows stages.
--
-- Existing agreements were recorded after signing, so they land in stage 'pelaksanaan' with every
-- value kept. During the stages before signing, start_date/end_date hold the proposed jangka waktu
-- (the columns stay NOT NULL); the evaluation planner only looks at stage 'pelaksanaan'.

ALTER TABLE agreements ADD COLUMN kind TEXT NOT NULL DEFAULT 'antar_desa'
    CHECK (kind IN ('antar_desa', 'pihak_ketiga'));
ALTER TABLE agreements ADD COLUMN stage TEXT NOT NULL DEFAULT 'pelaksanaan'
    CHECK (stage IN ('persiapan', 'penawaran', 'perumusan', 'penandatanganan', 'pelaksanaan', 'pelaporan',
                     'ditunda', 'dibatalkan'));
-- Persiapan: who started, the initiating village's potensi/kebutuhan (bidang codes, space-separated,
-- as in village_profiles at the time) and the Musdes that agreed to seek cooperation.
ALTER TABLE agreements ADD COLUMN initiator_position INTEGER;
ALTER TABLE agreements ADD COLUMN potensi TEXT;
ALTER TABLE agreements ADD COLUMN kebutuhan TEXT;
ALTER TABLE agreements ADD COLUMN musdes_on TEXT;               -- ISO date
ALTER TABLE agreements ADD COLUMN musdes_note TEXT;
-- Perumusan: the MAD (antar desa) or Musdes (pihak ketiga) where the clauses were agreed. The
-- meeting id is filled by the musyawarah feature; until then a dated note records it.
ALTER TABLE agreements ADD COLUMN mad_meeting_id INTEGER;
ALTER TABLE agreements ADD COLUMN formulated_on TEXT;           -- ISO date
ALTER TABLE agreements ADD COLUMN formulation_note TEXT;
-- Penandatanganan.
ALTER TABLE agreements ADD COLUMN signed_on TEXT;               -- ISO date
-- Pasal 6 clauses beyond scope (ruang lingkup), objective, bidang (sector tag), dates, rights.
ALTER TABLE agreements ADD COLUMN bidang_uu TEXT
    CHECK (bidang_uu IN ('usaha_bersama', 'kemasyarakatan', 'pelayanan', 'pembangunan', 'keamanan'));
ALTER TABLE agreements ADD COLUMN implementation_terms TEXT;    -- tata cara dan ketentuan pelaksanaan
ALTER TABLE agreements ADD COLUMN change_terms TEXT;            -- tata cara perubahan, penundaan, pembatalan
ALTER TABLE agreements ADD COLUMN dispute_terms TEXT;           -- penyelesaian perselisihan
ALTER TABLE agreements ADD COLUMN executing_kind TEXT CHECK (executing_kind IN ('bkad', 'tim'));
-- Ditunda: the stage to go back to, why, and when to resume. Dibatalkan: when and why (per clause).
ALTER TABLE agreements ADD COLUMN suspended_from TEXT;
ALTER TABLE agreements ADD COLUMN suspend_reason TEXT;
ALTER TABLE agreements ADD COLUMN resume_on TEXT;               -- ISO date
ALTER TABLE agreements ADD COLUMN cancelled_on TEXT;            -- ISO date
ALTER TABLE agreements ADD COLUMN cancel_reason TEXT;

-- An existing agreement with a third party among its parties is a kerja sama dengan pihak ketiga.
UPDATE agreements SET kind = 'pihak_ketiga'
 WHERE EXISTS (SELECT 1 FROM agreement_parties p WHERE p.agreement_id = agreements.id AND p.kind = 'pihak_ketiga');
CREATE INDEX agreements_stage ON agreements(stage, resume_on);

-- The third party's details (NULL for villages) and each party's signatory.
ALTER TABLE agreement_parties ADD COLUMN third_party_kind TEXT
    CHECK (third_party_kind IN ('pt', 'cv', 'bumn', 'bumd', 'ormas', 'perguruan_tinggi', 'lembaga_lain'));
ALTER TABLE agreement_parties ADD COLUMN address TEXT;
ALTER TABLE agreement_parties ADD COLUMN contact_person TEXT;
ALTER TABLE agreement_parties ADD COLUMN signatory_name TEXT;
ALTER TABLE agreement_parties ADD COLUMN signatory_title TEXT;

-- Pendanaan per party: the share from the village's APB Desa and other sources, in rupiah. An
-- agreement without rows here shows its old single funding_source/funding_amount.
CREATE TABLE agreement_funding (
    id             INTEGER PRIMARY KEY,
    agreement_id   INTEGER NOT NULL REFERENCES agreements(id) ON DELETE CASCADE,
    party_position INTEGER NOT NULL,
    source         TEXT NOT NULL CHECK (source IN ('apb_desa', 'lain')),
    source_name    TEXT,                       -- for 'lain': e.g. CSR PT ..., hibah provinsi
    amount         INTEGER NOT NULL
);
CREATE INDEX agreement_funding_agreement ON agreement_funding(agreement_id, party_position);

-- The executing body's members (BKAD or a team): name, role, origin village.
CREATE TABLE agreement_team (
    agreement_id  INTEGER NOT NULL REFERENCES agreements(id) ON DELETE CASCADE,
    position      INTEGER NOT NULL,
    name          TEXT NOT NULL,
    role          TEXT NOT NULL,
    village_code  TEXT,
    village_name  TEXT,
    PRIMARY KEY (agreement_id, position)
);

-- Penawaran: the offer to each partner party, sent through the bot (a member village's kades) or
-- recorded as sent on paper, and the partner's answer (the latest; every answer is in the timeline).
CREATE TABLE agreement_offers (
    agreement_id   INTEGER NOT NULL REFERENCES agreements(id) ON DELETE CASCADE,
    party_position INTEGER NOT NULL,
    channel        TEXT NOT NULL CHECK (channel IN ('bot', 'kertas')),
    sent_at        TEXT NOT NULL,
    sent_by        INTEGER NOT NULL,
    answer         TEXT CHECK (answer IN ('terima', 'tolak', 'tanya')),
    answer_note    TEXT,
    answered_at    TEXT,
    answered_by    INTEGER,
    PRIMARY KEY (agreement_id, party_position)
);

-- Pelaporan: a report per period to the parties and the forum; ratings and follow-ups come from
-- the period's evaluations when it is shown or exported.
CREATE TABLE agreement_reports (
    id            INTEGER PRIMARY KEY,
    agreement_id  INTEGER NOT NULL REFERENCES agreements(id) ON DELETE CASCADE,
    forum_id      INTEGER NOT NULL,
    period_start  TEXT NOT NULL,
    period_end    TEXT NOT NULL,
    done          TEXT NOT NULL,               -- what was done
    next_steps    TEXT,
    created_by    INTEGER NOT NULL,
    created_at    TEXT NOT NULL
);
CREATE INDEX agreement_reports_agreement ON agreement_reports(agreement_id, period_end);

-- The timeline learns the stages. Rebuilt to widen the kind check; every row is copied as it was.
-- party_position marks an event that concerns one party only (an offer and its answer), so a
-- partner village's kades sees only their own.
CREATE TABLE agreement_events_new (
    id             INTEGER PRIMARY KEY,
    agreement_id   INTEGER NOT NULL REFERENCES agreements(id) ON DELETE CASCADE,
    at             TEXT NOT NULL,
    by_user        INTEGER,
    kind           TEXT NOT NULL CHECK (kind IN ('created', 'amended', 'renewed', 'ended', 'lapse', 'stage',
                                                 'suspended', 'resumed', 'cancelled', 'offer_sent',
                                                 'offer_answered', 'reported')),
    field          TEXT,
    old_value      TEXT,
    new_value      TEXT,
    note           TEXT,
    party_position INTEGER
);
INSERT INTO agreement_events_new(id, agreement_id, at, by_user, kind, field, old_value, new_value, note)
    SELECT id, agreement_id, at, by_user, kind, field, old_value, new_value, note FROM agreement_events;
DROP TABLE agreement_events;
ALTER TABLE agreement_events_new RENAME TO agreement_events;
CREATE INDEX agreement_events_agreement ON agreement_events(agreement_id, at);
