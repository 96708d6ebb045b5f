using System.Buffers.Binary;
using Traktor.Ecs.Net.Diagnostics;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net;

// Destroying shared entities through the mesh (kind 0x82): the owner's destroy, its delivery to each link and its relay
// (the tombstones that keep late writes from bringing a destroyed entity back: SharedAuthority.Tombstones.cs).
public sealed partial class SharedAuthority<T, TSnapshot, TSerializer>
{
    /// <summary>
    /// The message kind of a destroy (docs/PROTOCOL.md, "Shared authority"): the peer holding authority over an entity
    /// destroyed it. The same <see cref="ClaimBytes"/> as a relayed claim, naming the claim it was destroyed under; every
    /// peer that applies one passes it on, as claims are.
    /// </summary>
    public const byte DestroyMessage = 0x82;

    // Destroys each linked peer has still to take, oldest first, per link: a link that refuses one (its queue overflowed,
    // so it is closing) retries alone; the others took it. At most MaxEntities a link (the oldest goes: a link that took
    // none of that many is going down, and a new link gets every tombstone with its copy); a link's queue goes when it does.
    private readonly Dictionary<ulong, Queue<SharedId>> destroysToSend = new();

    /// <summary>Entities of this world destroyed by another peer's destroy (its own, or one it passed on).</summary>
    public long DestroysApplied { get; private set; }

    /// <summary>
    /// Of <see cref="Refused"/>, destroys under a claim that the claim in force here outranks: their sender named no
    /// authority over the entity as this peer knows it (a hostile peer, or an owner that lost the entity to a newer claim
    /// while it destroyed it). The entity stays. Not held against the sender: honest races send them too.
    /// </summary>
    public long DestroysRefused { get; private set; }

    /// <summary>
    /// Writes of other peers dropped because they name an entity destroyed here (a tombstone, <see cref="TombstoneTicks"/>)
    /// under a claim the destroy's outranks or equals: late, reordered or duplicated, they do not bring it back.
    /// </summary>
    public long LateAfterDestroy { get; private set; }

    /// <summary>
    /// Destroys <paramref name="entity"/>, which this peer owns, in every peer's world: it goes from this world now, and a
    /// destroy naming the claim in force leaves on the reliable channel after every write of the entity this peer sent, so
    /// each linked peer destroys it after applying those; each passes it on to its own links (so peers that reach this
    /// one only through others destroy it too), and each destroys it once. A write or claim for it that arrives later
    /// under a claim the destroy's outranks or equals does not bring it back (<see cref="TombstoneTicks"/>). Destroy
    /// shared entities through this method, not <c>World.Destroy</c>: only the owner may, and a peer that does not own
    /// the entity is refused here (false), where a world destroy would remove it from this world alone.
    /// </summary>
    /// <param name="entity">A shared entity of this world.</param>
    /// <returns>False when it is not a shared entity of this peer's or this peer does not own it (then nothing changes).</returns>
    public bool Destroy(Entity entity)
    {
        if (!World.IsAlive(entity) || !World.TryGet<SharedId>(entity, out var id) || !records.TryGetValue(id, out var record) || record.Owner.Peer != PeerId) return false;
        Bury(id, record, record.Owner);
        return true;
    }

    /// <summary>
    /// Removes a shared entity under <paramref name="claim"/>: from the world and the records, its introducer's share
    /// freed, a tombstone left and a destroy queued for every linked peer.
    /// </summary>
    private void Bury(SharedId id, Record record, SharedOwner claim)
    {
        records.Remove(id);
        if (World.IsAlive(record.Entity)) World.Destroy(record.Entity);
        if (record.IntroducedBy != 0 && introduced.TryGetValue(record.IntroducedBy, out int share)) introduced[record.IntroducedBy] = Math.Max(0, share - 1);

        Entomb(id, claim, record.IntroducedBy == 0 ? PeerId : record.IntroducedBy);
        foreach (ulong peer in mesh.LinkedPeers)
        {
            if (joined.Contains(peer)) continue; // its copy, not sent yet, carries every tombstone
            if (!destroysToSend.TryGetValue(peer, out var queue)) destroysToSend[peer] = queue = new Queue<SharedId>();
            if (queue.Count >= MaxEntities) queue.Dequeue();
            queue.Enqueue(id);
        }
    }

    /// <summary>
    /// Queues on each link the destroys it has not taken yet, in order; a link that refuses one (its queue is full) stops
    /// there and tries again next tick, alone (a duplicate would be harmless, but each link takes each destroy once).
    /// </summary>
    private void SendDestroys()
    {
        foreach (var (peer, queue) in destroysToSend)
        {
            while (queue.Count > 0)
            {
                var id = queue.Peek();
                if (tombstones.TryGetValue(id, out var tombstone) && !mesh.Send(peer, ChannelKind.ReliableOrdered, message.AsSpan(0, DestroyBytes(id, tombstone.Claim)))) break;
                queue.Dequeue(); // taken, or its tombstone expired or was evicted before it could leave
            }
        }
    }

    /// <summary>A link came up or went down: what it had still to take goes (a new link gets every tombstone with its copy).</summary>
    private void ForgetDestroysTo(ulong peer) => destroysToSend.Remove(peer);

    /// <summary>
    /// A destroy from a linked peer: the owner's own, or one another peer applied and passes on (like a relayed claim, it may
    /// name any peer). Applied, once, when its claim is the claim in force here or outranks it (the owner claimed and
    /// destroyed before its claim arrived); refused when the claim in force outranks it. Never creates anything.
    /// </summary>
    private void ReceiveDestroy(ulong from, ReadOnlySpan<byte> data)
    {
        if (data.Length != ClaimBytes)
        {
            Strike(from);
            return;
        }

        if (BinaryPrimitives.ReadUInt16LittleEndian(data[1..]) != TSerializer.NetworkTypeId) return; // another component's
        ReadClaimHeader(data, out var id, out var claim);
        if (claim.Version == 0 || id.Serial == 0)
        {
            Strike(from);
            return;
        }

        // Destroyed here already (a duplicate, or the same destroy relayed by another peer), or never held: nothing to do.
        if (tombstones.ContainsKey(id) || !records.TryGetValue(id, out var record)) return;
        if (!Admit(from, id, record, claim)) return;
        if (record.Owner.Outranks(claim))
        {
            DestroysRefused++;
            CountRefused("not_owner");
            return;
        }

        Adopt(record, claim);
        Bury(id, record, claim);
        DestroysApplied++;
        PeerMetrics.DestroysApplied.Add(1, peerTag);
    }

    private int DestroyBytes(SharedId id, SharedOwner claim)
    {
        WriteClaimHeader(message, DestroyMessage, id, claim);
        return ClaimBytes;
    }
}
