namespace Traktor.Ecs.Net.Replication.Client;

/// <summary>
/// When a client sends its acknowledgement corrections (kind 0x52, docs/PROTOCOL.md §10.2): the first at once after a
/// dropped snapshot, then <see cref="SnapshotFormat.CorrectionRepeats"/> − 1 repeats at least
/// <see cref="SnapshotFormat.CorrectionRepeatSeconds"/> apart (any one may be lost), and never more than
/// <see cref="SnapshotFormat.CorrectionsPerSecond"/> sustained with a burst of <see cref="SnapshotFormat.CorrectionBurst"/>.
/// A correction costs the server work in proportion to the entities the client knows, so the server budgets them at
/// twice these figures (room for late server ticks) and an honest client never meets that budget.
/// </summary>
internal sealed class CorrectionPacer
{
    private int owed;
    private bool fresh;
    private double nextRepeatAt;
    private double tokens = SnapshotFormat.CorrectionBurst;
    private double tokensAt = double.NaN;

    /// <summary>Corrections still to send for the drops so far.</summary>
    public int Owed => owed;

    /// <summary>A snapshot was dropped: a correction is owed at once, then its repeats.</summary>
    public void Owe()
    {
        owed = SnapshotFormat.CorrectionRepeats;
        fresh = true;
    }

    /// <summary>True when a correction should be sent now (at <paramref name="now"/> seconds, any monotonic clock).</summary>
    public bool TryTake(double now)
    {
        if (owed == 0)
        {
            return false;
        }

        double elapsed = double.IsNaN(tokensAt) ? 0 : Math.Max(0, now - tokensAt);
        tokens = Math.Min(SnapshotFormat.CorrectionBurst, tokens + (elapsed * SnapshotFormat.CorrectionsPerSecond));
        tokensAt = now;
        if (tokens < 1 || (!fresh && now < nextRepeatAt))
        {
            return false;
        }

        tokens -= 1;
        owed--;
        fresh = false;
        nextRepeatAt = now + SnapshotFormat.CorrectionRepeatSeconds;
        return true;
    }

    /// <summary>Forgets what is owed (the connection ended).</summary>
    public void Reset()
    {
        owed = 0;
        fresh = false;
    }
}
