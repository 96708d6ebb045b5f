using Traktor.Ecs.Net.Diagnostics;

namespace Traktor.Ecs.Net.Transport;

/// <summary>
/// One connection's receive budgets for the current <c>Update</c> and its violation score. Every datagram and
/// every delivered message passes through here before the work is done: datagrams beyond the budget are dropped
/// before decryption, messages beyond
/// <see cref="NetPeerOptions.MaxMessagesPerConnection"/> or <see cref="NetPeerOptions.MaxMessageBytesPerConnection"/>
/// (or beyond the shared event queue's bound) are refused, and violations add up to a disconnect.
/// </summary>
internal sealed class ConnectionBudget
{
    /// <summary>A violation adds this much to the score; an update without one takes one away (forgives a quarter).</summary>
    private const int ViolationWeight = 4;

    /// <summary>Datagrams failing authentication that one update decrypts per connection, as a multiple of its budget.</summary>
    public const int ForgedAllowance = 4;

    private readonly NetPeerOptions _options;
    private readonly EventQueue _events;
    private readonly NetServerCounters _counters;
    private readonly ConnectionId _connection;
    private readonly ulong _clientId;
    private readonly int _closeAt;
    private int _authenticated;
    private int _forged;
    private int _refused;
    private int _messages;
    private int _bytes;
    private int _groups;
    private int _droppedMessages;
    private long _droppedBytes;
    private bool _droppedOverBudget;
    private bool _violated;
    private bool _heldBack;
    private int _score;

    public ConnectionBudget(PeerContext peer, ConnectionId connection, ulong clientId)
    {
        _options = peer.Options;
        _events = peer.Events;
        _counters = peer.Counters;
        _connection = connection;
        _clientId = clientId;
        _closeAt = _options.ViolationLimit * ViolationWeight;
    }

    /// <summary>Violations counted against this connection (decayed), for tests and diagnostics.</summary>
    public int Score => _score;

    /// <summary>
    /// Starts an update's books. <paramref name="skippedUpdates"/>: updates since the last one this connection took part
    /// in (a server begins a connection's update only when it has something to read or deliver): each was an update
    /// without a violation, which forgives a little, as its own <see cref="EndUpdate"/> would have.
    /// </summary>
    public void BeginUpdate(long skippedUpdates = 0)
    {
        if (skippedUpdates > 0) _score = (int)Math.Max(0, _score - Math.Min(skippedUpdates, int.MaxValue));
        _heldBack = false;
        _authenticated = 0;
        _forged = 0;
        _refused = 0;
        _messages = 0;
        _bytes = 0;
        _groups = 0;
        _droppedMessages = 0;
        _droppedBytes = 0;
        _droppedOverBudget = false;
        _violated = false;
    }

    /// <summary>
    /// True when one more datagram may be decrypted this update: the authenticated ones are held to
    /// <see cref="NetPeerOptions.MaxDatagramsPerConnection"/>, and ones that fail authentication (forged by someone
    /// spoofing this address) to <see cref="ForgedAllowance"/> times that, so a spoofer can neither make the server
    /// decrypt without bound nor use up the peer's own budget. False (counted) means: drop it unread.
    /// </summary>
    public bool TryTakeDatagram()
    {
        int limit = _options.MaxDatagramsPerConnection;
        if (_authenticated < limit && _forged < limit * ForgedAllowance) return true;
        _refused++;
        _counters.DatagramsOverBudget++;
        NetMetrics.BudgetExceeded.Add(1, new KeyValuePair<string, object?>("traktor.budget", "datagrams"));
        return false;
    }

    /// <summary>A datagram of this update passed authentication and the replay check.</summary>
    public void Authenticated() => _authenticated++;

    /// <summary>A datagram of this update failed authentication.</summary>
    public void Forged() => _forged++;

    /// <summary>Copies a message into the event queue if the budgets allow; false when refused.</summary>
    public bool TryDeliver(ChannelKind channel, ReadOnlySpan<byte> data)
    {
        if (!TryReserve(channel, data.Length, out var destination)) return false;
        data.CopyTo(destination);
        return true;
    }

    /// <summary>Reserves a message event of <paramref name="length"/> bytes to fill, if the budgets allow.</summary>
    public bool TryReserve(ChannelKind channel, int length, out Span<byte> destination)
    {
        destination = default;
        if (_messages >= _options.MaxMessagesPerConnection || (long)_bytes + length > _options.MaxMessageBytesPerConnection)
        {
            if (channel is ChannelKind.Unreliable or ChannelKind.UnreliableSequenced) Dropped(length);
            CountRefused(channel, "messages");
            return false;
        }
        if (!_events.CanAccept(length))
        {
            CountRefused(channel, "queue");
            return false;
        }
        _messages++;
        _bytes += length;
        destination = _events.ReserveMessage(_connection, _clientId, channel, length);
        return true;
    }

    /// <summary>An unreliable message (or fragment group) of <paramref name="length"/> bytes was dropped by the message budget.</summary>
    private void Dropped(int length)
    {
        _droppedOverBudget = true;
        _droppedMessages++;
        _droppedBytes += length;
    }

    /// <summary>This update refused a message: a reliable one waits in its channel to be delivered in the next update.</summary>
    public bool HeldBack => _heldBack;

    private void CountRefused(ChannelKind channel, string budget)
    {
        _heldBack = true;
        // Reliable messages are not lost: they wait in their channel's window for a later update.
        if (channel is ChannelKind.ReliableOrdered or ChannelKind.ReliableUnordered) _counters.ReliableDeferred++;
        else _counters.MessagesOverBudget++;
        NetMetrics.BudgetExceeded.Add(1, new KeyValuePair<string, object?>("traktor.budget", budget));
    }

    /// <summary>
    /// True when one more unreliable fragment group may start reassembly this update. Starting one costs work in
    /// proportion to its fragment count (up to the largest message's), and a group that never completes is counted by no
    /// other budget: without this one, a connection sending fragments that each start a group keeps the server busy for
    /// most of a tick, never a violation. A group is a message, so no more start per update than messages may be delivered
    /// (<see cref="NetPeerOptions.MaxMessagesPerConnection"/>); beyond that the fragment is dropped and the update is over
    /// budget (a violation), as for unreliable messages.
    /// </summary>
    public bool TryStartFragmentGroup(ChannelKind channel)
    {
        if (_groups >= _options.MaxMessagesPerConnection)
        {
            Dropped(0);
            CountRefused(channel, "fragment_groups");
            return false;
        }
        _groups++;
        return true;
    }

    /// <summary>Counts an authenticated packet that broke the protocol; true when the connection must now close.</summary>
    public bool Violation(ViolationKind kind)
    {
        _counters.ProtocolViolations++;
        NetMetrics.Violations.Add(1, new KeyValuePair<string, object?>("traktor.violation", kind.MetricName()));
        _violated = true;
        _score += ViolationWeight;
        return _score >= _closeAt;
    }

    /// <summary>
    /// Closes the update's books: exceeding the message budget counts one violation per update's worth of it refused,
    /// rounded up, and the datagram budget one (only when the peer's own authenticated datagrams used it up, so a third party
    /// spoofing this address cannot get a peer that keeps to its budget disconnected); an update without any violation
    /// forgives a little. True when the connection must now close.
    /// </summary>
    /// <remarks>
    /// Counted once an update whatever was refused, a message flood that arrives bunched (five updates' worth every fifth update,
    /// paced by the sender or by a stream starved for a while) was one violation a burst, which the four updates without
    /// one forgave: never cut. One update counts at most <see cref="NetPeerOptions.ViolationLimit"/> − 1, so a single
    /// backlog (an honest peer's stalled stream delivered at once) never closes a connection that was clean before it.
    /// </remarks>
    public bool EndUpdate()
    {
        long units = 0;
        // Datagrams dropped unread count one: they cannot be told from ones forged with the peer's address, and counted by
        // how many they were a spoofer could multiply the violations of a peer that used its whole budget (review44).
        if (_refused > 0 && _authenticated >= _options.MaxDatagramsPerConnection) units += 1;
        if (_droppedOverBudget)
        {
            units += Math.Max(Worth(_droppedMessages, _options.MaxMessagesPerConnection), Worth(_droppedBytes, _options.MaxMessageBytesPerConnection));
        }
        if (units > 0)
        {
            long charge = Math.Clamp(units, 1, Math.Max(1, _options.ViolationLimit - 1));
            for (long i = 0; i < charge; i++)
            {
                if (Violation(ViolationKind.OverBudget)) return true;
            }
            return false;
        }
        if (!_violated && _score > 0) _score--;
        return _score >= _closeAt;
    }

    /// <summary>How many updates' worth of a budget of <paramref name="perUpdate"/> <paramref name="refused"/> is, rounded up.</summary>
    private static long Worth(long refused, long perUpdate) => refused <= 0 ? 0 : (refused + perUpdate - 1) / perUpdate;
}
