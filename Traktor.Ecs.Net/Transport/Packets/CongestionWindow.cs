using Traktor.Ecs.Net.Diagnostics;

namespace Traktor.Ecs.Net.Transport.Packets;

/// <summary>
/// Sender-side congestion control of a connection's reliable data (docs/TRANSPORT.md, "Congestion control"): a window of
/// bytes in flight (packets carrying reliable records, sent and neither acknowledged nor declared lost) after NewReno
/// (RFC 5681, RFC 9002 §7): slow start from 10 packets, one packet more per round trip after the first loss, the window
/// cut to 0.7 of itself at most once a round trip on loss, and to 2 packets when the retransmission timeout fires twice in a
/// row; the timeout doubles each time it fires, at most to <see cref="MaxTimeout"/>, until any packet is newly acknowledged
/// (<see cref="OnProgress"/>). A loss cuts the window only when the round trip shows a queue
/// (smoothed RTT above twice the path's minimum + 50 ms): on a game's path much loss is random (Wi-Fi, mobile), and a
/// window cut for every random loss holds an honest player on a lossy link to two packets a round trip, while a
/// bottleneck's queue overflows only once it is full, which lengthens the round trip first. A cut all of whose lost
/// packets are acknowledged after all is undone (<see cref="OnSpuriousLoss"/>). Sends are paced at 1.25 windows per smoothed round trip (2 in
/// slow start), so a queue of megabytes leaves at the path's rate rather than in bursts of a whole window.
/// Unreliable traffic is neither held back nor counted: it has its own bounds, and a game's snapshots must not wait.
/// </summary>
internal sealed class CongestionWindow
{
    public const int InitialPackets = 10;
    public const int MinimumPackets = 2;

    /// <summary>Loss cuts the window to this share (CUBIC's β): random loss on a game path is common, not always congestion.</summary>
    public const double LossReduction = 0.7;

    /// <summary>Timeouts in a row after which the window falls to its minimum.</summary>
    public const int PersistentTimeouts = 2;

    /// <summary>The retransmission timeout doubles at most this many times in a row (64 × its base).</summary>
    public const int MaxBackoff = 6;

    /// <summary>
    /// No retransmission timeout, backed off or not, is longer: two tries are never further apart, within the connection's
    /// default 10 s timeout (RFC 6298 allows a cap of 60 s or more; a game's connection is long given up by then).
    /// </summary>
    public const double MaxTimeout = 8.0;

    /// <summary>
    /// No base retransmission timeout is shorter (RFC 6298 asks 1 s, for paths whose receivers delay acks up to 500 ms;
    /// ours delay them 5 ms, and a game cannot wait a second for a lost input).
    /// </summary>
    public const double MinTimeout = 0.03;

    /// <summary>The retransmission timeout before the first round-trip sample.</summary>
    public const double InitialTimeout = 0.2;

    /// <summary>The minimum round trip is the least of the samples of the last 10 to 20 s, so a changed path is followed.</summary>
    public const double MinRttWindow = 10.0;

    private readonly int _packetBytes;
    private double _minRtt = double.PositiveInfinity;
    private double _minRttPrevious = double.PositiveInfinity;
    private double _minRttSince = double.NaN;
    private double _recoveryStart = double.NegativeInfinity;
    private long _ackedInAvoidance;
    private double _tokens;
    private double _tokensAt = double.NaN;

    public CongestionWindow(int packetBytes)
    {
        _packetBytes = packetBytes;
        Window = (long)InitialPackets * packetBytes;
        SlowStartThreshold = long.MaxValue;
    }

    /// <summary>Bytes that may be in flight.</summary>
    public long Window { get; private set; }

    public long SlowStartThreshold { get; private set; }

    /// <summary>Bytes of packets carrying reliable records sent and neither acknowledged nor declared lost.</summary>
    public long InFlight { get; private set; }

    /// <summary>Times in a row the retransmission timeout fired without any packet newly acknowledged since.</summary>
    public int Backoff { get; private set; }

    /// <summary>Packets declared lost (by later acks or by the timeout).</summary>
    public long LostPackets { get; private set; }

    /// <summary>Times the window was cut (one loss episode a round trip, or a timeout).</summary>
    public long CongestionEvents { get; private set; }

    private long MinimumWindow => (long)MinimumPackets * _packetBytes;

    /// <summary>
    /// The retransmission timeout: the resend delay's estimate (RFC 6298: 1.25 SRTT + 4 RTTVAR + 5 ms, at least
    /// <see cref="MinTimeout"/>; <see cref="InitialTimeout"/> before a sample) without its 1 s bound, since a queue on a
    /// slow link makes round trips longer than that, doubled <see cref="Backoff"/> times, at most <see cref="MaxTimeout"/>.
    /// </summary>
    public double Timeout(ConnectionStatistics statistics) => Math.Min(BaseTimeout(statistics) * (1 << Backoff), MaxTimeout);

    /// <summary>The retransmission timeout before any back-off.</summary>
    public static double BaseTimeout(ConnectionStatistics statistics) => statistics.HasRttSample
        ? Math.Max(1.25 * statistics.SmoothedRtt + 4 * statistics.RttVariation + 0.005, MinTimeout)
        : InitialTimeout;

    /// <summary>True when a packet of reliable records may leave now: room in the window and pacing credit.</summary>
    public bool CanSend => InFlight < Window && _tokens > 0;

    /// <summary>
    /// Adds the pacing credit earned since the last call. Credit never exceeds what <see cref="CreditIntervals"/>
    /// nominal update intervals earn, or the initial window if that is more, so neither an idle connection nor a frame
    /// hitch saves up a burst: after a 500 ms hitch a whole window left at once, into a queue that overflowed. The floor
    /// is the initial window, the burst a fresh connection may send anyway (RFC 6928): a floor of 2 packets paced a small
    /// window's resends no better and changed when they left.
    /// </summary>
    /// <param name="now">The connection's clock, in seconds.</param>
    /// <param name="statistics">The connection's round trip.</param>
    /// <param name="resumed">
    /// The connection was left alone for a while (the server visits a connection with nothing to send only at its
    /// keep-alive): the gap is not an update interval, so the nominal interval is measured afresh from here. The credit
    /// comes out as it would have in steps, since it only grows up to its cap in the meantime.
    /// </param>
    public void Refill(double now, ConnectionStatistics statistics, bool resumed = false)
    {
        double elapsed = double.IsNaN(_tokensAt) ? 0 : Math.Max(0, now - _tokensAt);
        _tokensAt = now;
        if (resumed) _intervalFrom = double.NaN;
        NoteInterval(now);
        if (!statistics.HasRttSample)
        {
            _tokens = double.PositiveInfinity;
            return;
        }
        double gain = Window < SlowStartThreshold ? 2.0 : 1.25;
        double rate = gain * Window / Math.Max(statistics.SmoothedRtt, 0.001);
        double earned = rate * elapsed;
        double interval = double.IsNaN(UpdateInterval) ? elapsed : UpdateInterval;
        double cap = Math.Max((double)InitialPackets * _packetBytes, rate * CreditIntervals * interval);
        _tokens = double.IsPositiveInfinity(_tokens) ? cap : Math.Min(_tokens + earned, cap);
    }

    /// <summary>
    /// Pacing credit is capped at what this many nominal update intervals earn: one, with room for the jitter of a game
    /// loop's updates.
    /// </summary>
    public const double CreditIntervals = 1.5;

    /// <summary>The nominal update interval is taken as at most this (10 updates a second).</summary>
    public const double MaxUpdateInterval = 0.1;

    /// <summary>
    /// The nominal time between two updates of the connection: a smoothed average of the intervals, each taken as at most
    /// twice the average so far, so a hitch moves it little and a game that really updates slower is followed within a
    /// few dozen updates. A refill less than <see cref="SameUpdateFraction"/> of the average after the last counted one is
    /// a second flush of the same update (an explicit <c>Flush()</c> after <c>Update()</c> reads the clock again), not an
    /// interval: counting it would halve the average and cut the pacing rate by a quarter.
    /// </summary>
    public double UpdateInterval { get; private set; } = double.NaN;

    /// <summary>Refills closer than this share of <see cref="UpdateInterval"/> belong to the same update.</summary>
    public const double SameUpdateFraction = 0.25;

    private double _intervalFrom = double.NaN;

    private void NoteInterval(double now)
    {
        if (double.IsNaN(_intervalFrom))
        {
            _intervalFrom = now;
            return;
        }
        double elapsed = now - _intervalFrom;
        if (elapsed <= 0) return;
        if (double.IsNaN(UpdateInterval))
        {
            UpdateInterval = Math.Min(elapsed, MaxUpdateInterval);
            _intervalFrom = now;
            return;
        }
        if (elapsed < SameUpdateFraction * UpdateInterval) return; // the interval runs on from the update's first refill
        double sample = Math.Min(elapsed, 2 * UpdateInterval);
        UpdateInterval = Math.Min(UpdateInterval + (sample - UpdateInterval) / 8, MaxUpdateInterval);
        _intervalFrom = now;
    }

    /// <summary>The least round trip seen lately (+∞ before the first sample).</summary>
    public double MinRtt => Math.Min(_minRtt, _minRttPrevious);

    /// <summary>Takes a round-trip sample into the windowed minimum.</summary>
    public void OnRttSample(double rtt, double now)
    {
        if (double.IsNaN(_minRttSince)) _minRttSince = now;
        if (now - _minRttSince >= MinRttWindow)
        {
            _minRttPrevious = _minRtt;
            _minRtt = double.PositiveInfinity;
            _minRttSince = now;
        }
        _minRtt = Math.Min(_minRtt, rtt);
    }

    /// <summary>
    /// True when the smoothed round trip stands well above the path's minimum: packets wait in a queue, so a loss now
    /// is the queue overflowing.
    /// </summary>
    public static bool IsQueued(double smoothedRtt, double minRtt) => smoothedRtt > 2 * minRtt + 0.05;

    /// <summary>A packet of <paramref name="bytes"/> carrying reliable records left.</summary>
    public void OnSent(int bytes)
    {
        InFlight += bytes;
        _tokens -= bytes;
    }

    /// <summary>A packet in flight was acknowledged.</summary>
    public void OnAcknowledged(int bytes, double sentAt)
    {
        // Growth only while the window is used: an application that sends little must not earn a window it never tried.
        bool limited = 2 * InFlight >= Window;
        InFlight -= bytes;
        if (sentAt <= _recoveryStart || !limited) return;
        if (Window < SlowStartThreshold)
        {
            Window += bytes;
            return;
        }
        _ackedInAvoidance += bytes;
        if (_ackedInAvoidance < Window) return;
        _ackedInAvoidance -= Window;
        Window += _packetBytes;
    }

    /// <summary>
    /// A packet, whatever it carried (reliable records, only an ack, a keep-alive), was newly acknowledged: the path
    /// delivers again, so the retransmission timeout is back to its base (RFC 9002 §6.2.1 resets the PTO back-off the
    /// same way). Not only a packet carrying reliable records: after an outage the first acks are of keep-alives, and a
    /// resend lost then would wait out a timeout still backed off for the outage.
    /// </summary>
    public void OnProgress() => Backoff = 0;

    /// <summary>
    /// A packet in flight was declared lost: the window is cut once per episode (packets sent before the last cut
    /// do not cut it again), and only when <paramref name="queued"/> (see <see cref="IsQueued"/>). Returns the episode
    /// the loss counts in (0: none), to be handed back to <see cref="OnSpuriousLoss"/> if the packet is acknowledged
    /// after all.
    /// </summary>
    public long OnLost(int bytes, double sentAt, double now, bool queued)
    {
        InFlight -= bytes;
        LostPackets++;
        if (sentAt <= _recoveryStart) return CountInEpisode();
        if (!queued) return 0;
        StartEpisode();
        _recoveryStart = now;
        Window = Math.Max((long)(Window * LossReduction), MinimumWindow);
        SlowStartThreshold = Window;
        _ackedInAvoidance = 0;
        return CountInEpisode();
    }

    /// <summary>Times a window cut was undone because every packet its episode declared lost was acknowledged after all.</summary>
    public long SpuriousLossUndos { get; private set; }

    // The episode of the last cut (its CongestionEvents number; 0: none, or undone) and what undoing it restores.
    private long _episode;
    private int _episodeLost;
    private int _episodeDelivered;
    private long _undoWindow;
    private long _undoThreshold;
    private double _undoRecoveryStart;
    private long _undoAckedInAvoidance;

    /// <summary>Cuts start an episode: the state before the cut is kept so that a cut for nothing can be taken back.</summary>
    private void StartEpisode()
    {
        CongestionEvents++;
        _episode = CongestionEvents;
        _episodeLost = 0;
        _episodeDelivered = 0;
        _undoWindow = Window;
        _undoThreshold = SlowStartThreshold;
        _undoRecoveryStart = _recoveryStart;
        _undoAckedInAvoidance = _ackedInAvoidance;
    }

    private long CountInEpisode()
    {
        if (_episode == 0) return 0;
        _episodeLost++;
        return _episode;
    }

    /// <summary>
    /// A packet declared lost in <paramref name="episode"/> was acknowledged: it was reordered or delayed past the loss
    /// thresholds, or the timeout fired early, not lost. Once every packet the episode declared lost so far has been
    /// acknowledged, the cut was for nothing and is undone, once: the window, the slow-start threshold and the start of
    /// recovery go back to what they were before it (the Eifel idea, RFC 3522/4015; Linux's undo). A game's path reorders
    /// (Wi-Fi retries, bonded mobile links) and a single packet held back three packets' worth cut the window to 0.7 of
    /// itself, for round trips of slow growth, with nothing lost. An episode with a real loss among its packets is not
    /// undone: that packet is never acknowledged. A newer cut makes the older episode's late acks count for nothing.
    /// </summary>
    public void OnSpuriousLoss(long episode)
    {
        if (episode == 0 || episode != _episode) return;
        if (++_episodeDelivered < _episodeLost) return;
        Window = Math.Max(Window, _undoWindow);
        SlowStartThreshold = _undoThreshold;
        _recoveryStart = _undoRecoveryStart;
        _ackedInAvoidance = _undoAckedInAvoidance;
        _episode = 0;
        SpuriousLossUndos++;
    }

    /// <summary>
    /// The retransmission timeout fired on a packet in flight (its packets are then declared lost and resent): the
    /// timeout doubles. The first time only that: acks are lost too, and a timeout cut for a few lost acks in a row
    /// held a lossy link to two packets a round trip. The second time in a row, with nothing in flight acknowledged
    /// in between, nothing came back for two timeouts: the path may be gone or far slower, so the window starts again
    /// from its minimum (RFC 9002's persistent congestion, in spirit).
    /// </summary>
    public void OnTimeout(double now)
    {
        Backoff = Math.Min(Backoff + 1, MaxBackoff);
        // The packets now declared lost do not cut the window (again).
        if (Backoff < PersistentTimeouts)
        {
            _recoveryStart = now;
            return;
        }
        StartEpisode();
        _recoveryStart = now;
        SlowStartThreshold = Math.Max((long)(Window * LossReduction), MinimumWindow);
        Window = MinimumWindow;
        _ackedInAvoidance = 0;
    }

    /// <summary>A packet was forgotten while still in flight (its ack can no longer be matched): it no longer counts.</summary>
    public void OnForgotten(int bytes) => InFlight -= bytes;
}
