namespace Traktor.Ecs.Net.Transport;

/// <summary>
/// Connections a server closed whose disconnect notice it repeats, for a while, to a client still sending on them: the
/// notice is three unconfirmed datagrams, and a client that lost all three (one in eight at 50 % loss) keeps sending on
/// the connection, which is how the server tells it never heard. Each packet of the client's own (authenticated with the
/// closed connection's keys) is answered with the notice again, at most every <see cref="AnswerInterval"/> and
/// <see cref="MaxAnswers"/> times, until the deadline; one that hears it falls silent, and so is answered no more.
/// </summary>
/// <remarks>
/// <para>Budget: per closed connection, at most <see cref="MaxAnswers"/> answers of three small datagrams each, and answers
/// only to a packet that opens with the connection's keys (a forged or replayed one from its address is dropped
/// unanswered, so nobody else can draw the notices at anyone). Datagrams are opened (one AEAD check each) only while an
/// answer is due; of those that fail, at most <see cref="MaxForgedChecksPerInterval"/> per <see cref="AnswerInterval"/>,
/// the rest dropped unread. An authenticated one is not counted there: it is answered, and the interval's pause follows.
/// So forgeries from the address cannot spend the checks the genuine client's packets need unless they come at more than
/// <see cref="MaxForgedChecksPerInterval"/> an interval (over 10,000 a second aimed at one address), and each costs at most
/// the one check it would have cost while the connection was open (a live connection opens 512 forged datagrams per update).</para>
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
    /// The most datagrams from one closed connection's address that fail its keys' check, per <see cref="AnswerInterval"/>,
    /// before the rest of the interval's are dropped unread: a live connection's forged allowance of one update
    /// (<see cref="NetPeerOptions.MaxDatagramsPerConnection"/> × <see cref="ConnectionBudget.ForgedAllowance"/> at the
    /// defaults), over an interval of three updates at 60 Hz.
    /// </summary>
    public const int MaxForgedChecksPerInterval = 512;

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

        // Opened only while an answer is due: right after one, the client has its notice on the way.
        if (entry.Answers >= MaxAnswers || now - entry.AnsweredAt < AnswerInterval) return true; // dropped unread
        if (now - entry.ChecksSince >= AnswerInterval)
        {
            entry.ChecksSince = now;
            entry.Forged = 0;
        }

        // Anyone can send datagrams with this address as their source, and only the check tells theirs from the client's:
        // the failed ones are bounded (a flood costs that many opens an interval, not one a datagram), the genuine one is
        // not counted, so forgeries below the bound cannot crowd it out as a shared count of checks let them.
        if (entry.Forged >= MaxForgedChecksPerInterval) return true; // a flood from the address: dropped unread
        Checks++;
        if (!entry.Connection.IsOwnPayload(datagram))
        {
            entry.Forged++;
            return false;
        }

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

        /// <summary>Datagrams of this interval that failed the check.</summary>
        public int Forged { get; set; }
    }
}
