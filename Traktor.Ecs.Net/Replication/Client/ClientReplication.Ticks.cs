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
        return age == 0 || (age > 0 && age <= 64 && (receivedMask & (1UL << (age - 1))) != 0);
    }

    private void MarkReceived(uint tick)
    {
        if (!hasReceived)
        {
            hasReceived = true;
            newestTick = tick;
            receivedMask = 0;
            return;
        }

        int age = (int)(newestTick - tick);
        if (age > 0)
        {
            receivedMask |= 1UL << (age - 1);
            return;
        }

        int shift = -age;
        receivedMask = shift >= 64 ? 0 : (receivedMask << shift) | (shift > 0 ? 1UL << (shift - 1) : 0);
        newestTick = tick;
    }
}
