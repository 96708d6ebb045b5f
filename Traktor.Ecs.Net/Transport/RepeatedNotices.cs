namespace Traktor.Ecs.Net.Transport;

/// <summary>
/// Connections a server closed whose disconnect notice it repeats, for a while, to a client still sending on them: the
/// notice is three unconfirmed datagrams, and a client that lost all three (one in eight at 50 % loss) keeps sending on
/// the connection, which is how the server tells it never heard. Each packet of the client's own (authenticated with the
/// closed connection's keys) is answered with the notice again, at most every <see cref="AnswerInterval"/> and
/// <see cref="MaxAnswers"/> times, until the deadline; one that hears it falls silent, and so is answered no more.
/// </summary>
/// <remarks>
/// <para>Budget: per closed connection, at most <see cref="MaxAnswers"/> answers of three small datagrams each, at most
/// <see cref="MaxChecksPerInterval"/> datagrams opened per <see cref="AnswerInterval"/> and none while no answer is due, and
/// answers only to a packet that opens with the connection's keys (a forged or replayed one from its address is dropped
/// unanswered, so nobody else can draw the notices at anyone).</para>
/// <para>Memory: at most <see cref="Capacity"/> entries (the server's <see cref="NetServerOptions.MaxClients"/>); a full
/// table makes room by letting the oldest entry go, whose client has had the longest to hear. An entry keeps the closed
/// connection's keys, replay window and fixed-size state, not its queues (released when it is added), and goes at its
/// deadline, when a new connection is made from the same address, or when it is the oldest of a full table.</para>
/// </remarks>
internal sealed class RepeatedNotices
{
    /// <summary>The least time between two answers to one client (its keep-alives come every 100 ms, a game's inputs every tick).</summary>
    public const double AnswerInterval = 0.05;

    /// <summary>The most answers one closed connection gets (2 s of answers at <see cref="AnswerInterval"/>).</summary>
    public const int MaxAnswers = 40;

    /// <summary>
    /// The most datagrams from one closed connection's address checked against its keys per <see cref="AnswerInterval"/>
    /// (160 a second, twice what a client sends at a 60 Hz tick with its keep-alives); the rest are dropped unread.
    /// </summary>
    public const int MaxChecksPerInterval = 8;

    private readonly Dictionary<NetAddress, Entry> byAddress = new();
    private readonly LinkedList<Entry> oldestFirst = new(); // closing a connection is no hot path: a node per entry is fine
    private readonly List<NetAddress> expired = new();

    /// <summary>A table of at most <paramref name="capacity"/> closed connections.</summary>
    /// <param name="capacity">The most entries kept (the server's connection slots).</param>
    public RepeatedNotices(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        Capacity = capacity;
    }

    /// <summary>The most closed connections kept at once.</summary>
    public int Capacity { get; }

    /// <summary>Closed connections whose notice is still repeated.</summary>
    public int Count => byAddress.Count;

    /// <summary>Answers sent (each the notice's three datagrams), for tests.</summary>
    public long Answers { get; private set; }

    /// <summary>Datagrams checked against a closed connection's keys (one AEAD open each), for tests.</summary>
    public long Checks { get; private set; }

    /// <summary>Entries let go early to make room for a newer one (the table was full), for tests.</summary>
    public long Evicted { get; private set; }

    /// <summary>
    /// Keeps <paramref name="connection"/>, closed with <paramref name="reason"/>, to repeat the notice until
    /// <paramref name="until"/>; its queues are released now. The oldest entry goes first when the table is full.
    /// </summary>
    public void Add(Connection connection, DisconnectReason reason, double until)
    {
        Forget(connection.Address);
        if (byAddress.Count >= Capacity && oldestFirst.First is { } oldest)
        {
            Forget(oldest.Value.Connection.Address);
            Evicted++;
        }

        connection.ReleaseQueues(); // the repeats need its keys and sequences, not what it still held to send or deliver
        var entry = new Entry(connection, reason, until);
        entry.Node = oldestFirst.AddLast(entry);
        byAddress[connection.Address] = entry;
    }

    /// <summary>
    /// True when <paramref name="datagram"/> from <paramref name="source"/> was sent on a closed connection kept here
    /// (handled: answered with the notice when due); false when it is none of theirs.
    /// </summary>
    public bool TryAnswer(in NetAddress source, ReadOnlySpan<byte> datagram, double now)
    {
        if (!byAddress.TryGetValue(source, out var entry)) return false;
        if (now >= entry.Until)
        {
            Forget(source);
            return false;
        }

        // Opened only while an answer is due, and at most MaxChecksPerInterval times an interval: each open is an AEAD
        // check, and anyone can send datagrams with this address as their source: a flood costs 8 opens an interval, not one a datagram.
        if (entry.Answers >= MaxAnswers || now - entry.AnsweredAt < AnswerInterval) return true; // dropped unread
        if (now - entry.ChecksSince >= AnswerInterval)
        {
            entry.ChecksSince = now;
            entry.Checks = 0;
        }

        if (entry.Checks >= MaxChecksPerInterval) return true; // a flood from the address: dropped unread
        entry.Checks++;
        Checks++;
        if (!entry.Connection.IsOwnPayload(datagram)) return false;
        entry.Answers++;
        entry.AnsweredAt = now;
        Answers++;
        entry.Connection.SendDisconnect(entry.Reason);
        return true;
    }

    /// <summary>Drops the entries past their deadline.</summary>
    public void Expire(double now)
    {
        if (byAddress.Count == 0) return;
        expired.Clear();
        foreach (var (address, entry) in byAddress)
        {
            if (now >= entry.Until) expired.Add(address);
        }

        foreach (var address in expired) Forget(address);
    }

    /// <summary>Drops the entry of <paramref name="address"/>, if any (a new connection from there, or its deadline).</summary>
    public void Forget(in NetAddress address)
    {
        if (!byAddress.Remove(address, out var entry)) return;
        oldestFirst.Remove(entry.Node!);
        entry.Connection.Dispose();
    }

    /// <summary>Drops every entry (the server is disposed).</summary>
    public void Clear()
    {
        foreach (var entry in byAddress.Values) entry.Connection.Dispose();
        byAddress.Clear();
        oldestFirst.Clear();
    }

    private sealed class Entry(Connection connection, DisconnectReason reason, double until)
    {
        public Connection Connection { get; } = connection;

        public DisconnectReason Reason { get; } = reason;

        public double Until { get; } = until;

        public LinkedListNode<Entry>? Node { get; set; }

        public int Answers { get; set; }

        public double AnsweredAt { get; set; } = double.NegativeInfinity;

        public double ChecksSince { get; set; } = double.NegativeInfinity;

        public int Checks { get; set; }
    }
}
