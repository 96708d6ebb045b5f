using Traktor.Ecs.Net.Diagnostics;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net;

// The links to the other peers coming and going: a new link gets a copy of what this peer holds, a departed peer's
// entities pass to the session host, and what re-bases a claim on a new link is tracked per link.
public sealed partial class SharedAuthority<T, TSnapshot, TSerializer>
{
    private readonly HashSet<ulong> joined = new();
    private readonly Dictionary<ulong, HashSet<SharedId>> rebased = new();
    private readonly Dictionary<ulong, long> linkedAt = new();
    private readonly Dictionary<ulong, long> unlinkedAt = new();
    private readonly HashSet<ulong> wasAlone = new();
    private long linkEvents;
    private readonly List<ulong> copied = new();

    /// <summary>
    /// A peer left or died: its entities pass to the session host among the survivors, which claims them at the next
    /// version (the other survivors wait for its claim). Should two survivors both believe they are the host for a
    /// moment, the claim rule settles it on every peer alike.
    /// </summary>
    private void Departed(ulong departed)
    {
        // Its strikes stay: a new link of that peer (a fresh connect token) continues its record rather than wipe it.
        joined.Remove(departed);
        ForgetDestroysTo(departed);
        rebased.Remove(departed);
        wasAlone.Remove(departed);
        linkedAt.Remove(departed);
        unlinkedAt[departed] = ++linkEvents;
        if (SessionHost != PeerId) return;
        foreach (var record in records.Values)
        {
            // Also whatever a claim names a peer not linked here for (a relayed claim may name any id): a new session host
            // holds no entity for a peer nobody can reach.
            ulong owner = record.Owner.Peer;
            if ((owner == departed || (owner != PeerId && !mesh.IsLinked(owner))) && World.IsAlive(record.Entity) && RequestOwnership(record.Entity))
            {
                Inherited++;
                PeerMetrics.Inherited.Add(1, peerTag);
            }
        }
    }

    /// <summary>A link to <paramref name="peer"/> is up: it gets a copy of what this peer owns, unless the peer was cut already.</summary>
    private void Linked(ulong peer)
    {
        if (strikes.TryGetValue(peer, out int struck) && struck >= MaxRefusedWrites)
        {
            CountCut();
            mesh.Disconnect(peer, DisconnectReason.ProtocolViolation);
            return;
        }

        joined.Add(peer);
        ForgetDestroysTo(peer);
        rebased[peer] = new HashSet<SharedId>();

        // Was this peer linked to nobody else all the while the new link was down (a peer never linked before: down until
        // now)? Then it may have missed claims nobody could relay to it, and the new link's word re-bases a far claim alone.
        long down = unlinkedAt.GetValueOrDefault(peer, linkEvents);
        bool alone = true;
        foreach (var (other, since) in linkedAt)
        {
            if (other != peer && since <= down) alone = false;
        }

        if (alone) wasAlone.Add(peer);
        else wasAlone.Remove(peer);
        linkedAt[peer] = ++linkEvents;
    }

    /// <summary>
    /// New links get every owned entity as last sent to the others (same sequence, so nobody else applies it again) and
    /// the claim in force of every other entity held, on their link only: were every peer to send all it owns again to every
    /// peer on a new link, each (re)connection would cost the whole mesh a full copy per link. Entities not sent yet, or
    /// changed, go to every link with the others.
    /// </summary>
    private void SendCopies()
    {
        copied.Clear();
        foreach (ulong peer in joined)
        {
            bool all = true;
            foreach (var (id, record) in records)
            {
                // Others' claims as this peer holds them go too: a peer that was away hears of the claims made meanwhile.
                if (record.Owner.Peer == PeerId && (!record.HasSent || record.Dirty)) continue;
                int length = record.Owner.Peer == PeerId ? Write(id, record.Owner, record.StateSeq, in record.LastSent) : Claim(id, record.Owner);
                if (length < 0 || !mesh.Send(peer, ChannelKind.ReliableOrdered, message.AsSpan(0, length)))
                {
                    all = false; // a full queue: the whole copy again next tick (duplicates are harmless)
                    break;
                }
            }

            // Entities destroyed while the peer was away: it destroys those it still holds under a claim the destroy's outranks.
            foreach (var (id, tombstone) in tombstones)
            {
                if (!all) break;
                all = mesh.Send(peer, ChannelKind.ReliableOrdered, message.AsSpan(0, DestroyBytes(id, tombstone.Claim)));
            }

            if (all) copied.Add(peer);
        }

        foreach (ulong peer in copied) joined.Remove(peer);
    }
}
