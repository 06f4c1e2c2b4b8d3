/*
 * csv_fast.h: the tokenizer's fast path, a part of csv.c, which includes
 * it once for each set of instructions: FAST_NAME is the function made,
 * FAST_ATTR its attributes, BLOCK_MASKS(p, m) a block's masks and
 * PREFIX_XOR(x) the prefix XOR of x (bit i of the result is the parity of
 * bits 0..i of x).
 *
 * One record at r->pos, whole in the buffer.  Each 64-byte block gives
 * four masks (quote, comma, newline, backslash); the prefix XOR of the
 * quote bits, carried from block to block, marks the bytes inside
 * quotes, so the separators are the commas and newlines outside them and
 * the first such newline ends the record.  The fields then come from the
 * separators alone, with no state machine.
 *
 * That holds only where every quote opens or closes a field or is one of
 * a doubled pair inside a quoted one: each quote must be a field's first
 * byte, the byte before a separator (or before the CR of a CRLF that ends
 * the record), or a closing quote followed by a quote and that quote.
 * Then a field is quoted exactly when its first byte is a quote, its last
 * (before that CR) is the closing one, and it has doubled quotes exactly
 * when a pair lies inside it.  A record with any other quote (a quote
 * inside an unquoted field, bytes after a closing quote) or a backslash
 * outside quotes before a byte the scalar path reads as structure goes
 * to the scalar path, whose records these are by construction.
 *
 * Returns 1 with the fields emitted, *nfp, *nlp (newlines in the record)
 * and *endp (its newline's offset); 0 when the record needs the scalar
 * path; -1 when its end is not in the buffer (the scalar path reads
 * more).
 */
FAST_ATTR static int
FAST_NAME(struct csv_reader *r, size_t *endp, size_t *nfp, uint64_t *nlp)
{
	uint64_t qm[FAST_MAX_BLOCKS], sm[FAST_MAX_BLOCKS];
	uint64_t bm[FAST_MAX_BLOCKS], im[FAST_MAX_BLOCKS];
	uint64_t pm[FAST_MAX_BLOCKS], pair_in = 0;
	uint64_t carry = 0, nl = 0, nsep = 0, b;
	size_t base = r->pos & ~(size_t)63, nb = 0, end = 0, fb, nf, k;
	size_t nextb, nextp, crq;

	for (;;) {
		size_t at = base + 64 * nb;
		struct blk_masks m;
		uint64_t inq, ends;

		if (at >= r->len)
			return -1;
		if (nb == FAST_MAX_BLOCKS)
			return 0;
		BLOCK_MASKS(r->buf + at, &m);
		if (r->len - at < 64)
			masks_and(&m, (1ULL << (r->len - at)) - 1);
		if (nb == 0)
			masks_and(&m, ~((1ULL << (r->pos - base)) - 1));
		inq = PREFIX_XOR(m.q) ^ carry;
		carry = (uint64_t)((int64_t)inq >> 63);
		ends = m.n & ~inq;
		if (ends) {
			unsigned e = (unsigned)__builtin_ctzll(ends);
			uint64_t keep = e == 63 ? ~0ULL : (2ULL << e) - 1;

			masks_and(&m, keep);
			inq &= keep;
			end = at + e;
		}
		for (b = m.n; b; b &= b - 1)
			nl++;
		/* backslash escapes outside quotes: of an ordinary byte
		 * (\N) only, which changes no separator */
		bm[nb] = m.b & ~inq;
		for (b = bm[nb]; b; b &= b - 1)
			if (escapes_structure(r->buf[at + 1 +
			    (size_t)__builtin_ctzll(b)]))
				return 0;
		qm[nb] = m.q;
		im[nb] = inq;
		sm[nb] = (m.c | m.n) & ~inq;
		nsep += (uint64_t)__builtin_popcountll(sm[nb++]);
		if (ends)
			break;
	}

	/* a quote before the CR of a CRLF that ends the record */
	crq = end >= r->pos + 2 && r->buf[end - 1] == '\r' ? end - 2 : NO_POS;
	/* every quote a field's first byte, the last before its end, or one
	 * of a doubled pair: a closing quote before a quote, and that one */
	for (k = 0; k < nb; k++) {
		uint64_t starts = sm[k] << 1, lasts = sm[k] >> 1, qnext;

		qnext = qm[k] >> 1 | (k + 1 < nb ? qm[k + 1] << 63 : 0);
		pm[k] = qm[k] & ~im[k] & qnext;
		if (qm[k] == 0) {
			pair_in = 0;
			continue;
		}
		if (k > 0)
			starts |= sm[k - 1] >> 63;
		else
			starts |= 1ULL << (r->pos - base);
		if (k + 1 < nb)
			lasts |= sm[k + 1] << 63;
		if (crq != NO_POS && (crq - base) >> 6 == k)
			lasts |= 1ULL << (crq & 63);
		if (qm[k] & ~(starts | lasts | pm[k] | pm[k] << 1 | pair_in))
			return 0;
		pair_in = pm[k] >> 63;
	}

	/* room for the fields kept, so that storing one checks no more */
	while (r->falloc < nsep && r->falloc < r->fcap)
		csv_more_fields(r);
	fb = r->pos;
	nf = 0;
	nextb = next_bit(bm, base, nb, fb);
	nextp = next_bit(pm, base, nb, fb);
	for (k = 0; k < nb; k++) {
		uint64_t s = sm[k];

		while (s) {
			size_t p = base + 64 * k + (size_t)__builtin_ctzll(s);
			size_t e = p;

			s &= s - 1;
			if (p == end && e > fb && r->buf[e - 1] == '\r')
				e--;
			if (r->buf[fb] == '"' && fb < e) {
				/* its last byte is the closing quote */
				if (e - fb < 2)
					return 0;
				if (nextp < e) {
					EMIT_ROOM(fb + 1, e - fb - 2,
					    CSV_F_QUOTED | CSV_F_DQUOTE);
					nextp = next_bit(pm, base, nb, e);
				} else {
					EMIT_ROOM(fb + 1, e - fb - 2,
					    CSV_F_QUOTED);
				}
			} else if (nextb < p) {
				EMIT_ROOM(fb, e - fb, CSV_F_ESCAPE);
				nextb = next_bit(bm, base, nb, p);
			} else {
				EMIT_ROOM(fb, e - fb, 0);
			}
			fb = p + 1;
		}
	}
	*endp = end;
	*nfp = nf;
	*nlp = nl;
	return 1;
}

#undef FAST_NAME
#undef FAST_ATTR
#undef PREFIX_XOR
#undef BLOCK_MASKS
