using System.Buffers.Binary;
using Traktor.Ecs.Net.Diagnostics;
using Traktor.Ecs.Net.Serialization;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net;

// What arrives from the other peers: writes (0x80) and relayed claims (0x81), and the claims this peer relays (destroys, 0x82: SharedAuthority.Destroy.cs).
public sealed partial class SharedAuthority<T, TSnapshot, TSerializer>
{
    // Untrusted bytes from a linked peer: every check refuses and counts, nothing throws.
    private void Receive(ulong from, ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty || (data[0] != WriteMessage && data[0] != ClaimMessage && data[0] != DestroyMessage)) return; // another layer's kind
        if (strikes.TryGetValue(from, out int struck) && struck >= MaxRefusedWrites) return; // being cut: the rest of its queue is ignored
        if (data[0] == ClaimMessage)
        {
            ReceiveClaim(from, data);
            return;
        }

        if (data[0] == DestroyMessage)
        {
            ReceiveDestroy(from, data);
            return;
        }

        if (data.Length < HeaderBytes)
        {
            Strike(from); // no write of any type is this short
            return;
        }

        if (BinaryPrimitives.ReadUInt16LittleEndian(data[1..]) != TSerializer.NetworkTypeId) return; // another component's writes
        ReadClaimHeader(data, out var id, out var claim);
        uint sequence = BinaryPrimitives.ReadUInt32LittleEndian(data[ClaimBytes..]);

        // A peer writes only as itself: its identity is its link's (its connect token's), not what the bytes say.
        if (claim.Peer != from || claim.Version == 0 || id.Serial == 0)
        {
            Strike(from);
            return;
        }

        var reader = new BitReader(data[HeaderBytes..]);
        TSerializer.ReadFull(ref reader, out var snapshot);
        if (reader.IsFailed || (reader.BitsRead + 7) / 8 != data.Length - HeaderBytes)
        {
            Strike(from);
            return;
        }

        if (!records.TryGetValue(id, out var record))
        {
            if (Buried(id, claim)) return; // destroyed here: a late write does not bring it back

            // Every entity this peer holds for a linked peer counts against that peer's share until it is destroyed
            // (SharedAuthority.Destroy), so leaving and coming back buys no new room.
            introduced.TryGetValue(from, out int share);
            if (records.Count >= MaxEntities || share >= MaxEntitiesPerPeer)
            {
                OverBudget++;
                CountRefused("over_budget");
                return;
            }

            introduced[from] = share + 1;

            T value = default;
            TSerializer.Dequantize(in snapshot, ref value);
            record = new Record { Entity = World.Create(id, claim, value), Owner = claim, StateVersion = claim.Version, StatePeer = claim.Peer, StateSeq = sequence, Relayed = claim.Version, IntroducedBy = from };
            records.Add(id, record);
            CountApplied();
            return;
        }

        if (!Admit(from, id, record, claim)) return;
        Adopt(record, claim);

        // The state of record has the highest stamp: the claim's rank first, then the writer's sequence.
        var stamp = new SharedOwner(record.StatePeer, record.StateVersion);
        bool newer = claim.Outranks(stamp) || (claim == stamp && sequence > record.StateSeq);
        if (!newer) return;
        record.StateVersion = claim.Version;
        record.StatePeer = claim.Peer;
        record.StateSeq = sequence;
        if (World.IsAlive(record.Entity)) TSerializer.Dequantize(in snapshot, ref World.Get<T>(record.Entity));
        CountApplied();
    }

    /// <summary>
    /// A claim another peer adopted and passes on (it may name any peer: the claimant told the sender, perhaps nobody
    /// else). It is held to the rules of a write's claim, never introduces an entity, and carries no state: the claimant's
    /// writes bring that. A forged one can only do what its sender could do by claiming itself: move an entity's owner.
    /// </summary>
    private void ReceiveClaim(ulong from, ReadOnlySpan<byte> data)
    {
        if (data.Length != ClaimBytes)
        {
            Strike(from);
            return;
        }

        if (BinaryPrimitives.ReadUInt16LittleEndian(data[1..]) != TSerializer.NetworkTypeId) return; // another component's claims
        ReadClaimHeader(data, out var id, out var claim);
        if (claim.Version == 0 || id.Serial == 0)
        {
            Strike(from);
            return;
        }

        if (!records.TryGetValue(id, out var record) || !Admit(from, id, record, claim) || !claim.Outranks(record.Owner)) return;
        Adopt(record, claim);
        if (claim.Peer != PeerId && claim.Peer != from && !mesh.IsLinked(claim.Peer))
        {
            // A claim in the name of a peer not linked here: one that left, or an id no peer has (a relayed claim may name
            // anyone). Nobody would ever write the entity, and no departure would pass it on: the session host takes it
            // at once, as it takes a departed peer's.
            CountApplied();
            if (SessionHost == PeerId && World.IsAlive(record.Entity) && RequestOwnership(record.Entity))
            {
                Inherited++;
                PeerMetrics.Inherited.Add(1, peerTag);
            }

            return;
        }

        if (claim.Peer == PeerId)
        {
            // A claim in this peer's name it never made (a peer handed it the entity): it owns it, and its copy becomes the
            // state of record under that claim, written to everyone like a claim of its own.
            record.StateVersion = claim.Version;
            record.StatePeer = PeerId;
            record.StateSeq = 0;
            record.Dirty = true;
        }

        CountApplied();
    }

    /// <summary>
    /// Whether a claim is close enough to be judged by the rule. A claim far from the one held is no honest peer's (they
    /// step one at a time): refused, so versions stay in the window where the order is total and the top of the range is
    /// no ceiling (see <see cref="SharedOwner.Outranks"/>). A claim ahead is measured from the newest version this peer
    /// has told every linked peer of, not from the one it holds: a peer never adopts a claim the others would refuse from
    /// it as a jump, so what it relays stays inside their window too, however fast a hostile peer steps it alone. Except
    /// the first write or relayed claim for the entity from a peer since its link came up: records outlive links, and while
    /// the link was down the claim may have moved any distance (honestly, or stepped up by a hostile peer); that one
    /// re-bases the entity under the usual rule, as one introducing it would. Bounded like introductions, per link.
    /// </summary>
    private bool Admit(ulong from, SharedId id, Record record, SharedOwner claim)
    {
        bool rebase = Rebase(from, id);
        uint apart = claim.Version - record.Owner.Version;
        bool jump = apart != 0 && apart < 0x8000_0000u
            ? claim.Version - record.Relayed > MaxClaimStep // ahead of the claim held: measured from what this peer told everyone
            : 0u - apart > MaxClaimStep;                     // at or behind it
        if (!jump) return true;
        if (rebase && !claim.Outranks(record.Owner)) return true; // a stale re-base: the rule ignores it
        if (rebase)
        {
            // A far claim on a new link's first word. Alone, it re-bases the entity only if this peer heard nobody else while
            // that link was down (it was away, and missed what they could have relayed); otherwise a second link must say
            // the same first (a partition healing), or one peer reconnecting could jump this peer alone past the others.
            uint gap = claim.Version - record.Pending.Version;
            bool seconded = record.Pending.Version != 0 && record.PendingFrom != from && Math.Min(gap, 0u - gap) <= MaxClaimStep;
            if (wasAlone.Contains(from) || seconded)
            {
                record.Relayed = claim.Version; // a new base, not a step from the old one
                record.Pending = default;
                return true;
            }

            record.Pending = claim;
            record.PendingFrom = from;
        }

        ClaimJumps++;
        CountRefused("claim_jump");
        return false;
    }

    /// <summary>Makes <paramref name="claim"/> the claim in force if it outranks the one held; another peer's is then relayed.</summary>
    private void Adopt(Record record, SharedOwner claim)
    {
        if (!claim.Outranks(record.Owner)) return;
        if (record.Owner.Peer == PeerId)
        {
            ClaimsLost++;
            PeerMetrics.ClaimsLost.Add(1, peerTag);
        }

        record.Owner = claim;
        record.Relay = claim.Peer != PeerId;
        if (World.IsAlive(record.Entity)) World.Set(record.Entity, claim);
    }

    /// <summary>Passes another peer's claim in force on to every linked peer; a full queue tries again next tick.</summary>
    private void RelayClaim(SharedId id, Record record)
    {
        int length = Claim(id, record.Owner);
        if (!mesh.Broadcast(ChannelKind.ReliableOrdered, message.AsSpan(0, length))) return; // some link's queue is full: all again next tick (duplicates are harmless)
        record.Relay = false;
        record.Relayed = record.Owner.Version;
        ClaimsRelayed++;
        PeerMetrics.ClaimsRelayed.Add(1, peerTag);
    }

    private int Claim(SharedId id, SharedOwner owner)
    {
        WriteClaimHeader(message, ClaimMessage, id, owner);
        return ClaimBytes;
    }

    /// <summary>The first <see cref="ClaimBytes"/> of a write (0x80) and the whole of a relayed claim (0x81): kind, type, entity, claim.</summary>
    private static void WriteClaimHeader(Span<byte> m, byte kind, SharedId id, SharedOwner owner)
    {
        m[0] = kind;
        BinaryPrimitives.WriteUInt16LittleEndian(m[1..], TSerializer.NetworkTypeId);
        BinaryPrimitives.WriteUInt64LittleEndian(m[3..], id.Creator);
        BinaryPrimitives.WriteUInt32LittleEndian(m[11..], id.Serial);
        BinaryPrimitives.WriteUInt32LittleEndian(m[15..], owner.Version);
        BinaryPrimitives.WriteUInt64LittleEndian(m[19..], owner.Peer);
    }

    /// <summary>Reads what <see cref="WriteClaimHeader"/> wrote; <paramref name="data"/> holds at least <see cref="ClaimBytes"/>.</summary>
    private static void ReadClaimHeader(ReadOnlySpan<byte> data, out SharedId id, out SharedOwner claim)
    {
        id = new SharedId(BinaryPrimitives.ReadUInt64LittleEndian(data[3..]), BinaryPrimitives.ReadUInt32LittleEndian(data[11..]));
        claim = new SharedOwner(BinaryPrimitives.ReadUInt64LittleEndian(data[19..]), BinaryPrimitives.ReadUInt32LittleEndian(data[15..]));
    }

    /// <summary>True the first time <paramref name="id"/> comes from <paramref name="from"/> since its link came up, for up to <see cref="MaxEntitiesPerPeer"/> entities.</summary>
    private bool Rebase(ulong from, SharedId id)
    {
        if (!rebased.TryGetValue(from, out var seen) || seen.Count >= MaxEntitiesPerPeer) return false;
        return seen.Add(id);
    }
}
