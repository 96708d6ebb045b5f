using Traktor.Ecs.Net.Rpc;

namespace Traktor.Ecs.Net.Scripting.Rpc;

/// <summary>
/// The script RPCs received this tick, in the order their handlers run: each sender's first, then each sender's second,
/// and so on (a sender's own RPCs keep their order). A script runs at most <see cref="LuaScriptOptions.MaxRpcHandlersPerTick"/>
/// handlers a tick and the rest are not handled: in rounds, one client sending at its rate limit (a burst of 240 by
/// default), or a few of them, cannot take every handler of the tick, and every sender's first RPC of a tick is handled
/// while fewer senders than the cap send (SECURITY.md, attack reviews 23 and 25).
/// <para>
/// With more senders than the cap, the order connections are read in would leave the same late senders unhandled tick
/// after tick. So a sender whose first RPC of a tick went unhandled waits: from the next tick on its RPCs go before those of senders
/// that do not wait (within each round), the longest waiting first, until a tick handles its first RPC. So a sender that
/// keeps sending is handled within ⌈waiting senders ÷ cap⌉ ticks. The waiting list holds only senders left unhandled and
/// forgets one that sent nothing for <see cref="ForgetAfterTicks"/> ticks, so it is bounded by the senders of that span.
/// </para>
/// </summary>
internal sealed class ScriptRpcInbox
{
    /// <summary>Ticks after which a waiting sender that sent nothing is forgotten (10 s at 60 Hz; one still sending never is).</summary>
    internal const int ForgetAfterTicks = 600;

    private readonly List<(ScriptTable Parameters, RpcSource Source)> _collected = new();
    private readonly List<Received> _received = new();
    private readonly Dictionary<RpcSource, int> _perSender = new();
    private readonly Dictionary<RpcSource, Waiting> _waiting = new();
    private readonly HashSet<RpcSource> _firstUnhandled = new();
    private readonly List<RpcSource> _forget = new();
    private long _tick;

    /// <summary>The RPCs of the tick, in the order their handlers run.</summary>
    public List<Received> InOrder => _received;

    /// <summary>Senders left unhandled on an earlier tick and not handled since (what a test can look at).</summary>
    internal int WaitingSenders => _waiting.Count;

    /// <summary>Collects every binding's RPCs received in <paramref name="world"/> this tick and orders them in rounds by sender.</summary>
    public void Collect(World world, IEnumerable<ScriptRpcBinding> bindings)
    {
        Clear();
        _tick++;
        foreach (var binding in bindings)
        {
            _collected.Clear();
            binding.Collect(world, _collected);
            foreach (var (parameters, source) in _collected)
            {
                _perSender.TryGetValue(source, out int round);
                _perSender[source] = round + 1;
                // Senders waiting since an earlier tick go first, the longest waiting first; the rest in arrival order.
                long since = _waiting.TryGetValue(source, out var waiting) ? waiting.Since : long.MaxValue;
                _received.Add(new Received(binding, parameters, source, round, _received.Count, since));
            }
        }

        _collected.Clear();
        _received.Sort(static (a, b) =>
            a.Round != b.Round ? a.Round.CompareTo(b.Round)
            : a.WaitingSince != b.WaitingSince ? a.WaitingSince.CompareTo(b.WaitingSince)
            : a.Arrival.CompareTo(b.Arrival));
    }

    /// <summary>Tells that a handler of <paramref name="rpc"/> was not run for the per-tick cap.</summary>
    public void Unhandled(in Received rpc)
    {
        if (rpc.Round == 0) _firstUnhandled.Add(rpc.Source);
    }

    /// <summary>Ends the tick: senders whose first RPC went unhandled wait, the others stop waiting; then forgets the tick's RPCs.</summary>
    public void EndTick()
    {
        foreach (var source in _perSender.Keys)
        {
            if (_firstUnhandled.Contains(source))
            {
                _waiting[source] = new Waiting(_waiting.TryGetValue(source, out var waiting) ? waiting.Since : _tick, _tick);
            }
            else
            {
                _waiting.Remove(source);
            }
        }

        if (_waiting.Count > _perSender.Count)
        {
            foreach (var (source, waiting) in _waiting)
            {
                if (_tick - waiting.LastSent > ForgetAfterTicks) _forget.Add(source);
            }

            foreach (var source in _forget) _waiting.Remove(source);
            _forget.Clear();
        }

        Clear();
    }

    /// <summary>Forgets the tick's RPCs.</summary>
    public void Clear()
    {
        _received.Clear();
        _perSender.Clear();
        _firstUnhandled.Clear();
    }

    /// <summary>A sender left unhandled: since which tick, and the last tick it sent on.</summary>
    private readonly record struct Waiting(long Since, long LastSent);

    /// <summary>One received RPC.</summary>
    /// <param name="Binding">Its script name and struct.</param>
    /// <param name="Parameters">Its fields as a table.</param>
    /// <param name="Source">Who sent it.</param>
    /// <param name="Round">How many RPCs its sender sent before it this tick.</param>
    /// <param name="Arrival">Its place in the order collected.</param>
    /// <param name="WaitingSince">The tick since which its sender waits to be handled, <see cref="long.MaxValue"/> when it does not.</param>
    internal readonly record struct Received(ScriptRpcBinding Binding, ScriptTable Parameters, RpcSource Source, int Round, int Arrival, long WaitingSince);
}
