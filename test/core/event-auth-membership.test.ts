// Authorisation rules for m.room.member events, one case or more per numbered rule of room
// versions 10 and 11; version 12 shares these rules.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { signJson } from '../../src/core/json-signing.js';
import { generateSigningKey } from '../../src/core/signing-key.js';
import { ALICE, BOB, CAROL, REMOTE, RoomFixture, assertAllowed, assertRejected, standardRoom } from './room-fixture.js';

for (const versionId of ['10', '11', '12']) {
  describe(`membership auth, room version ${versionId}`, () => {
    it('rejects a member event without state_key or membership', () => {
      const room = standardRoom(versionId, 'public');
      assertRejected(room.check(room.event({ type: 'm.room.member', sender: BOB, content: { membership: 'join' } })), /no state_key/);
      assertRejected(room.check(room.event({ type: 'm.room.member', sender: BOB, state_key: BOB, content: {} })), /no content.membership/);
    });

    it('rejects an unknown membership', () => {
      const room = standardRoom(versionId, 'public');
      assertRejected(room.check(room.member(BOB, 'dance')), /unknown membership/);
    });

    describe('join', () => {
      it("allows the creator's first join after the create event", () => {
        const room = new RoomFixture(versionId);
        const join = { ...room.member(ALICE, 'join'), prev_events: [room.createEventId] };
        assertAllowed(room.check(join));
      });

      it('rejects the first join of anyone else', () => {
        const room = new RoomFixture(versionId);
        const join = { ...room.member(BOB, 'join'), prev_events: [room.createEventId] };
        assertRejected(room.check(join), /not invited/);
      });

      it("rejects the creator's join after other events", () => {
        const room = new RoomFixture(versionId);
        assertRejected(room.check(room.member(ALICE, 'join')), /not invited/);
      });

      it('rejects joining on behalf of another user', () => {
        const room = standardRoom(versionId, 'public');
        assertRejected(room.check(room.member(BOB, 'join', ALICE)), /sender does not match state_key/);
      });

      it('rejects a banned user even in a public room', () => {
        const room = standardRoom(versionId, 'public').withMember(BOB, 'ban');
        assertRejected(room.check(room.member(BOB, 'join')), /banned/);
      });

      it('allows invited users under the invite rule', () => {
        const room = standardRoom(versionId, 'invite').withMember(BOB, 'invite');
        assertAllowed(room.check(room.member(BOB, 'join')));
      });

      it('rejects uninvited users under the invite rule', () => {
        const room = standardRoom(versionId, 'invite');
        assertRejected(room.check(room.member(BOB, 'join')), /not invited/);
      });

      it('allows invited users under the knock rule', () => {
        const room = standardRoom(versionId, 'knock').withMember(BOB, 'invite');
        assertAllowed(room.check(room.member(BOB, 'join')));
        const knocked = standardRoom(versionId, 'knock').withMember(BOB, 'knock');
        assertRejected(knocked.check(knocked.member(BOB, 'join')), /not invited/);
      });

      it('allows anyone under the public rule', () => {
        const room = standardRoom(versionId, 'public');
        assertAllowed(room.check(room.member(BOB, 'join')));
      });

      it('rejects an unknown join rule', () => {
        const room = standardRoom(versionId, 'private');
        assertRejected(room.check(room.member(BOB, 'join')), /does not allow joining/);
      });

      for (const joinRule of ['restricted', 'knock_restricted']) {
        describe(`${joinRule} rule`, () => {
          const restricted = (): RoomFixture => standardRoom(versionId, joinRule).withMember(CAROL, 'join');
          const authorisedJoin = (room: RoomFixture, authoriser: string) =>
            ({ ...room.member(BOB, 'join', BOB, { join_authorised_via_users_server: authoriser }), signatures: { 'example.org': { 'ed25519:1': 'sig' } } });

          it('allows an invited user', () => {
            const room = restricted().withMember(BOB, 'invite');
            assertAllowed(room.check(room.member(BOB, 'join')));
          });

          it('allows a join authorised by a member with invite power', () => {
            const room = restricted();
            assertAllowed(room.check(authorisedJoin(room, CAROL)));
          });

          it('rejects an authorising user below the invite level', () => {
            const room = restricted().withPowerLevels({ users: room0Users(versionId), invite: 50 });
            assertRejected(room.check(authorisedJoin(room, CAROL)), /below the invite level/);
          });

          it('rejects an authorising user who is not joined', () => {
            const room = restricted().withMember(CAROL, 'leave');
            assertRejected(room.check(authorisedJoin(room, CAROL)), /not joined/);
          });

          it('rejects a join without an authorising user', () => {
            const room = restricted();
            assertRejected(room.check(room.member(BOB, 'join')), /without join_authorised_via_users_server/);
          });

          it("rejects a join the authoriser's server did not sign", () => {
            const room = restricted();
            const unsigned = { ...authorisedJoin(room, CAROL), signatures: { 'other.example': { 'ed25519:1': 'sig' } } };
            assertRejected(room.check(unsigned), /not signed by example.org/);
            assertRejected(room.check(authorisedJoin(room, CAROL), { isSignedByServer: () => false }), /not signed by example.org/);
          });
        });
      }
    });

    describe('invite', () => {
      it('allows a joined member at the invite level', () => {
        const room = standardRoom(versionId);
        assertAllowed(room.check(room.member(BOB, 'invite', ALICE)));
      });

      it('rejects a sender below the invite level', () => {
        const room = standardRoom(versionId).withMember(CAROL, 'join').withPowerLevels({ users: room0Users(versionId), invite: 50 });
        assertRejected(room.check(room.member(BOB, 'invite', CAROL)), /below the invite level/);
      });

      it('rejects a sender who is not joined', () => {
        const room = standardRoom(versionId).withMember(CAROL, 'invite');
        assertRejected(room.check(room.member(BOB, 'invite', CAROL)), /sender is not joined/);
      });

      it('rejects a target who is joined or banned', () => {
        const joined = standardRoom(versionId).withMember(BOB, 'join');
        assertRejected(joined.check(joined.member(BOB, 'invite', ALICE)), /membership is join/);
        const banned = standardRoom(versionId).withMember(BOB, 'ban');
        assertRejected(banned.check(banned.member(BOB, 'invite', ALICE)), /membership is ban/);
      });
    });

    describe('third-party invite', () => {
      const identityKey = generateSigningKey('0');
      const token = 'abc123';
      const inviteContent = { display_name: 'b...@example.com', key_validity_url: 'https://id.example/check', public_key: identityKey.publicKey };

      function roomWithThirdPartyInvite(content: Record<string, unknown> = inviteContent, sender = ALICE): RoomFixture {
        const room = standardRoom(versionId);
        return room.set(room.event({ type: 'm.room.third_party_invite', state_key: token, sender, content }));
      }

      function signedBlock(fields: Record<string, unknown> = { mxid: BOB, token }): Record<string, unknown> {
        return signJson({ sender: ALICE, ...fields }, 'id.example', identityKey);
      }

      function invite(room: RoomFixture, thirdPartyInvite: unknown, target = BOB) {
        return room.member(target, 'invite', ALICE, { third_party_invite: thirdPartyInvite });
      }

      it('allows a signed invite matching the public key', () => {
        const room = roomWithThirdPartyInvite();
        assertAllowed(room.check(invite(room, { display_name: 'b', signed: signedBlock() })));
      });

      it('accepts keys listed in public_keys', () => {
        const room = roomWithThirdPartyInvite({ public_key: generateSigningKey().publicKey, public_keys: [{ public_key: identityKey.publicKey }] });
        assertAllowed(room.check(invite(room, { signed: signedBlock() })));
      });

      it('rejects a banned target', () => {
        const room = roomWithThirdPartyInvite().withMember(BOB, 'ban');
        assertRejected(room.check(invite(room, { signed: signedBlock() })), /target user is banned/);
      });

      it('rejects a missing signed object', () => {
        const room = roomWithThirdPartyInvite();
        assertRejected(room.check(invite(room, { display_name: 'b' })), /no signed object/);
      });

      it('rejects signed without mxid or token', () => {
        const room = roomWithThirdPartyInvite();
        assertRejected(room.check(invite(room, { signed: signedBlock({ mxid: BOB }) })), /no mxid or token/);
        assertRejected(room.check(invite(room, { signed: signedBlock({ token }) })), /no mxid or token/);
      });

      it('rejects an mxid other than the state_key', () => {
        const room = roomWithThirdPartyInvite();
        assertRejected(room.check(invite(room, { signed: signedBlock() }, CAROL)), /mxid does not match/);
      });

      it('rejects a token without m.room.third_party_invite', () => {
        const room = roomWithThirdPartyInvite();
        assertRejected(room.check(invite(room, { signed: signedBlock({ mxid: BOB, token: 'other' }) })), /no m.room.third_party_invite/);
      });

      it('rejects a sender other than the inviter', () => {
        const room = roomWithThirdPartyInvite(inviteContent, CAROL);
        assertRejected(room.check(invite(room, { signed: signedBlock() })), /does not match the sender/);
      });

      it('rejects a signature from another key', () => {
        const room = roomWithThirdPartyInvite();
        const forged = signJson({ mxid: BOB, token }, 'id.example', generateSigningKey('0'));
        assertRejected(room.check(invite(room, { signed: forged })), /no signature in signed matches/);
      });
    });

    describe('leave', () => {
      it('allows leaving when joined, invited or knocking', () => {
        for (const membership of ['join', 'invite', 'knock']) {
          const room = standardRoom(versionId).withMember(BOB, membership);
          assertAllowed(room.check(room.member(BOB, 'leave')), membership);
        }
      });

      it('rejects leaving when banned or never present', () => {
        const banned = standardRoom(versionId).withMember(BOB, 'ban');
        assertRejected(banned.check(banned.member(BOB, 'leave')), /cannot be left/);
        const absent = standardRoom(versionId);
        assertRejected(absent.check(absent.member(BOB, 'leave')), /cannot be left/);
      });

      it('rejects a kick by a sender who is not joined', () => {
        const room = standardRoom(versionId).withMember(BOB, 'join').withMember(CAROL, 'leave');
        assertRejected(room.check(room.member(BOB, 'leave', CAROL)), /sender is not joined/);
      });

      it('rejects an unban below the ban level', () => {
        const room = standardRoom(versionId).withMember(BOB, 'ban').withMember(CAROL, 'join')
          .withPowerLevels({ users: { ...room0Users(versionId), [CAROL]: 60 }, kick: 50, ban: 70 });
        assertRejected(room.check(room.member(BOB, 'leave', CAROL)), /below the ban level/);
      });

      it('allows an unban at the ban and kick levels', () => {
        const room = standardRoom(versionId).withMember(BOB, 'ban');
        assertAllowed(room.check(room.member(BOB, 'leave', ALICE)));
      });

      it('allows a kick of a lower user', () => {
        const room = standardRoom(versionId).withMember(BOB, 'join');
        assertAllowed(room.check(room.member(BOB, 'leave', ALICE)));
      });

      it('rejects a kick below the kick level', () => {
        const room = standardRoom(versionId).withMember(BOB, 'join').withMember(CAROL, 'join');
        assertRejected(room.check(room.member(BOB, 'leave', CAROL)), /below the kick level/);
      });

      it('rejects a kick of an equal user', () => {
        const room = standardRoom(versionId).withMember(BOB, 'join').withMember(CAROL, 'join')
          .withPowerLevels({ users: { ...room0Users(versionId), [BOB]: 50, [CAROL]: 50 } });
        assertRejected(room.check(room.member(BOB, 'leave', CAROL)), /not above the target/);
      });
    });

    describe('ban', () => {
      it('allows a ban of a lower user', () => {
        const room = standardRoom(versionId).withMember(BOB, 'join');
        assertAllowed(room.check(room.member(BOB, 'ban', ALICE)));
      });

      it('rejects a sender who is not joined', () => {
        const room = standardRoom(versionId).withMember(CAROL, 'invite').withPowerLevels({ users: { ...room0Users(versionId), [CAROL]: 100 } });
        assertRejected(room.check(room.member(BOB, 'ban', CAROL)), /sender is not joined/);
      });

      it('rejects a sender below the ban level', () => {
        const room = standardRoom(versionId).withMember(CAROL, 'join');
        assertRejected(room.check(room.member(BOB, 'ban', CAROL)), /below the ban level/);
      });

      it('rejects a ban of an equal user', () => {
        const room = standardRoom(versionId).withMember(BOB, 'join').withMember(CAROL, 'join')
          .withPowerLevels({ users: { ...room0Users(versionId), [BOB]: 50, [CAROL]: 50 } });
        assertRejected(room.check(room.member(BOB, 'ban', CAROL)), /not above the target/);
      });
    });

    describe('knock', () => {
      it('allows a knock under knock and knock_restricted', () => {
        for (const joinRule of ['knock', 'knock_restricted']) {
          const room = standardRoom(versionId, joinRule);
          assertAllowed(room.check(room.member(BOB, 'knock')), joinRule);
        }
      });

      it('rejects a knock under other join rules', () => {
        for (const joinRule of ['public', 'invite', 'restricted']) {
          const room = standardRoom(versionId, joinRule);
          assertRejected(room.check(room.member(BOB, 'knock')), /does not allow knocking/, joinRule);
        }
      });

      it('rejects knocking for another user', () => {
        const room = standardRoom(versionId, 'knock');
        assertRejected(room.check(room.member(BOB, 'knock', ALICE)), /sender does not match state_key/);
      });

      it('rejects banned, invited and joined users', () => {
        for (const membership of ['ban', 'invite', 'join']) {
          const room = standardRoom(versionId, 'knock').withMember(BOB, membership);
          assertRejected(room.check(room.member(BOB, 'knock')), /knock: sender's membership/, membership);
        }
      });
    });

    it('rejects a remote member when m.federate is false', () => {
      const room = new RoomFixture(versionId, ALICE, { 'm.federate': false }).withMember(ALICE, 'join').withJoinRule('public');
      assertRejected(room.check(room.member(REMOTE, 'join')), /does not federate/);
      assertAllowed(room.check(room.member(BOB, 'join')));
    });
  });
}

/** Returns the `users` map that keeps the creator at full power: empty in version 12, where creators may not be listed. */
function room0Users(versionId: string): Record<string, number> {
  return versionId === '12' ? {} : { [ALICE]: 100 };
}

describe('membership auth in older versions', () => {
  it('rejects knocking before version 7', () => {
    const room = standardRoom('6', 'knock');
    assertRejected(room.check(room.member(BOB, 'knock')), /unknown membership/);
  });

  it('rejects knock_restricted before version 10', () => {
    const room = standardRoom('9', 'knock_restricted');
    assertRejected(room.check(room.member(BOB, 'knock')), /does not allow knocking/);
  });

  it('ignores the restricted rule before version 8', () => {
    const room = standardRoom('7', 'restricted').withMember(CAROL, 'join');
    const join = room.member(BOB, 'join', BOB, { join_authorised_via_users_server: CAROL });
    assertRejected(room.check(join), /does not allow joining/);
  });

  it('uses content.creator for the first join before version 11', () => {
    const room = new RoomFixture('10');
    assert.equal(room.createEvent.content['creator'], ALICE);
    const join = { ...room.member(ALICE, 'join'), prev_events: [room.createEventId] };
    assertAllowed(room.check(join));
  });
});
