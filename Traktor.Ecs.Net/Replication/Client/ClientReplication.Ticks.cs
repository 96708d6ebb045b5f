namespace Traktor.Ecs.Net.Replication.Client;

/// <summary>Which snapshot ticks arrived: duplicates, acknowledgements and jumps of the timeline.</summary>
public sealed partial class ClientReplication
{
    /// <summary>
    /// A real jump (this client stalled for seconds) brings a stream of far-ahead snapshots; a
    /// corrupted tick brings one. Accept a jump when a second snapshot lands just after the first.
    /// </summary>
    private bool ConfirmJump(uint tick)
    {
        if (hasJumpCandidate && (int)(tick - jumpCandidate) > 0 && (int)(tick - jumpCandidate) <= SnapshotFormat.ClientHistoryTicks)
        {
            hasJumpCandidate = false;
            return true;
        }

        jumpCandidate = tick;
        hasJumpCandidate = true;
        Counters.SuspiciousTicks++;
        return false;
    }

    private bool IsReceived(uint tick)
    {
        int age = (int)(newestTick - tick);
        return (age == 0 && newestApplied) || (age > 0 && age <= 64 && (receivedMask & (1UL << (age - 1))) != 0);
    }

    private void MarkReceived(uint tick)
    {
        if (!hasReceived)
        {
            hasReceived = true;
            newestTick = tick;
            newestApplied = true;
            receivedMask = 0;
            return;
        }

        int age = (int)(newestTick - tick);
        if (age == 0)
        {
            newestApplied = true; // sent again after this client disowned it (DisownApplied)
            return;
        }

        if (age > 0)
        {
            receivedMask |= 1UL << (age - 1);
            return;
        }

        int shift = -age;
        receivedMask = shift >= 64 ? 0 : (receivedMask << shift) | (newestApplied ? 1UL << (shift - 1) : 0);
        newestTick = tick;
        newestApplied = true;
    }

    /// <summary>
    /// A snapshot that fails to decode although every baseline and reference it names is held (malformed) cannot come
    /// from the server through an authenticated transport unless this client's state differs from what the server
    /// believes it applied (a forged snapshot that decoded, in insecure mode, or a bug). Keeping it would make every
    /// later delta against that state fail or decode wrong, for good. So the client disowns every snapshot it applied:
    /// its correction then reports none of the last 64 ticks applied, and the server sends their entities in full and
    /// the entity list without a reference (docs/PROTOCOL.md §10.2), which resynchronises every entity sent in those
    /// ticks (one whose baseline is older, unchanged since, is not: a correction names 64 ticks). Costs a burst of full
    /// states, and only ever follows a malformed snapshot.
    /// </summary>
    private void DisownApplied()
    {
        receivedMask = 0;
        newestApplied = false;
        entityLists.Clear();
    }
}
