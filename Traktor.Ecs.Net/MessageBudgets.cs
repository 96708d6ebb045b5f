using Traktor.Ecs.Net.Diagnostics;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net;

/// <summary>
/// The per-connection, per-kind message budgets of <see cref="NetworkServer"/> (see <see cref="MessageBudget"/>):
/// a token bucket per registered kind and connection, refilled once per server tick, and a violation score that
/// closes a connection which keeps exceeding them. Memory: one 256-entry array of doubles per connection.
/// </summary>
internal sealed class MessageBudgets
{
    /// <summary>A violation adds this much; a clean tick takes one away (as in the transport's budgets).</summary>
    private const int ViolationWeight = 4;

    /// <summary>Violations after which a connection is closed (the transport's default <see cref="NetPeerOptions.ViolationLimit"/>).</summary>
    public const int ViolationLimit = 16;

    private static readonly string[] KindNames = Enumerable.Range(0, 256).Select(k => $"0x{k:X2}").ToArray();

    private readonly MessageBudget?[] budgets = new MessageBudget?[256];
    private readonly List<byte> kinds = new();
    private readonly Dictionary<ConnectionId, State> connections = new();
    private readonly List<ConnectionId> offenders = new();
    private readonly int tickRate;

    public MessageBudgets(int tickRate) => this.tickRate = Math.Max(1, tickRate);

    public MessageBudgetCounters Counters { get; } = new();

    public void Set(byte kind, MessageBudget budget)
    {
        budget.Validate();
        if (budgets[kind] is null) kinds.Add(kind);
        budgets[kind] = budget;
        foreach (var state in connections.Values) state.Tokens[kind] = budget.Burst;
    }

    public MessageBudget? Get(byte kind) => budgets[kind];

    public void Add(ConnectionId connection)
    {
        var state = new State();
        foreach (byte kind in kinds) state.Tokens[kind] = budgets[kind]!.Value.Burst;
        connections[connection] = state;
    }

    public void Remove(ConnectionId connection) => connections.Remove(connection);

    /// <summary>Refills every bucket by one tick's worth.</summary>
    public void BeginTick()
    {
        foreach (var state in connections.Values)
        {
            foreach (byte kind in kinds)
            {
                var budget = budgets[kind]!.Value;
                state.Tokens[kind] = Math.Min(budget.Burst, state.Tokens[kind] + (budget.PerSecond / tickRate));
            }

            state.Excess = 0;
            state.Charged = 0;
            state.Violated = false;
        }
    }

    /// <summary>True when the handler may run; false (counted) when the message is dropped unread.</summary>
    public bool TryAdmit(ConnectionId connection, ReadOnlySpan<byte> message)
    {
        byte kind = message[0];
        if (budgets[kind] is not { } budget)
        {
            Counters.UnknownKind++;
            return true; // an unregistered kind has no handler; the caller drops it
        }

        if (!connections.TryGetValue(connection, out var state))
        {
            return true; // not (or no longer) connected: nothing to hold it to
        }

        if (message.Length > budget.MaxBytes)
        {
            Counters.Oversized++;
            NetMetrics.BudgetExceeded.Add(1, new("traktor.budget", "message_size"), new("traktor.message_kind", KindNames[kind]));
            Violation(state);
            return false;
        }

        if (state.Tokens[kind] < 1)
        {
            Counters.RateLimited++;
            NetMetrics.BudgetExceeded.Add(1, new("traktor.budget", "message_rate"), new("traktor.message_kind", KindNames[kind]));

            // A violation per tick's worth of the kind's rate refused in this tick (the first refusal is one). Counted once
            // per tick whatever was refused, a flood that reached the server bunched (a stream starved for a few ticks, or
            // an attacker sending every fifth tick) was one violation for five ticks of flood, which four clean ticks
            // forgave: 2.5 times the hard RPC rate over WebSocket ran 1,200 ticks with 176 violations and was never cut.
            // An honest client's bunched messages are within its rate: the bucket refilled while they were held, and
            // nothing of them is refused.
            state.Excess += 1 / Math.Max(1, budget.PerSecond / tickRate);
            while (state.Charged < Math.Ceiling(state.Excess))
            {
                state.Charged++;
                Violation(state);
            }

            return false;
        }

        state.Tokens[kind] -= 1;
        return true;
    }

    /// <summary>Closes the tick's books; returns the connections that reached the violation limit (to disconnect).</summary>
    public List<ConnectionId> EndTick()
    {
        offenders.Clear();
        foreach (var (connection, state) in connections)
        {
            if (!state.Violated && state.Score > 0) state.Score--;
            if (state.Score >= ViolationLimit * ViolationWeight) offenders.Add(connection);
        }

        foreach (var connection in offenders)
        {
            connections.Remove(connection);
            Counters.ViolationDisconnects++;
        }

        return offenders;
    }

    private void Violation(State state)
    {
        state.Violated = true;
        state.Score += ViolationWeight;
        Counters.Violations++;
        NetMetrics.Violations.Add(1, new KeyValuePair<string, object?>("traktor.violation", "message_budget"));
    }

    private sealed class State
    {
        public readonly double[] Tokens = new double[256];
        public int Score;

        /// <summary>This tick's refused messages, in ticks' worth of their kinds' rates (at most one message each).</summary>
        public double Excess;

        /// <summary>The violations this tick's <see cref="Excess"/> was charged so far.</summary>
        public int Charged;
        public bool Violated;
    }
}
