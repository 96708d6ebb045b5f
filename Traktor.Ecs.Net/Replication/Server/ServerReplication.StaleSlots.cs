namespace Traktor.Ecs.Net.Replication.Server;

// Forgetting the slots a connection waited for but never got: entities that came into range, gained a priority, found
// no room in the budget and left again.
public sealed partial class ServerReplication
{
    /// <summary>How often each connection's remembered slots are swept for stale waits, in ticks.</summary>
    private const uint StaleSweepTicks = 64;

    /// <summary>
    /// Every <see cref="StaleSweepTicks"/> ticks, forgets the slots the connection remembers only for a priority they
    /// no longer wait with: never sent (not known) and no longer relevant (out of range, filtered out, or despawned).
    /// </summary>
    // Nothing else visits them: ForgetIrrelevant walks the known slots and CollectCandidates the relevant ones, so
    // without this sweep every entity that passed through a busy connection's range unsent would stay in its table for as
    // long as the entity lives (SlotStateAgingTests: 307 slots for 400 entities after they had all gone out of range),
    // growth bounded only by the world's entity slots per connection, and the table's walks and probes growing with it.
    private void ForgetStaleWaits(ConnectionReplicationState connection)
    {
        if ((int)(Tick - connection.NextStaleSweepTick) < 0)
        {
            return;
        }

        connection.NextStaleSweepTick = Tick + StaleSweepTicks;
        var slots = connection.Slots;
        for (int i = slots.Count - 1; i >= 0; i--) // a removal moves the last entry here, which was already looked at
        {
            ref var state = ref slots.EntryAt(i);
            int slot = state.Slot;
            if (state.KnownIndex < 0 && (!tracker.IsTracked(slot) || !IsRelevant(connection, slot, state.RelevantTick)))
            {
                slots.Remove(slot);
            }
        }
    }
}
