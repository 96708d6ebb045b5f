using Traktor.Ecs.Net.Rpc;

namespace Traktor.Ecs.Net.Scripting.Rpc;

/// <summary>
/// The script RPCs received this tick, in the order their handlers run: each sender's first, then each sender's second,
/// and so on (a sender's own RPCs keep their order). A script runs at most <see cref="LuaScriptOptions.MaxRpcHandlersPerTick"/>
/// handlers a tick and the rest are not handled, so in arrival order one client sending at its rate limit (a burst of 240 by
/// default), or a few of them, took every handler of the tick and nobody else's RPC was handled (attack review 23). In
/// rounds, every sender's first RPC of a tick is handled while fewer senders than the cap send.
/// </summary>
internal sealed class ScriptRpcInbox
{
    private readonly List<(ScriptTable Parameters, RpcSource Source)> _collected = new();
    private readonly List<Received> _received = new();
    private readonly Dictionary<RpcSource, int> _perSender = new();

    /// <summary>The RPCs of the tick, in the order their handlers run.</summary>
    public List<Received> InOrder => _received;

    /// <summary>Collects every binding's RPCs received in <paramref name="world"/> this tick and orders them in rounds by sender.</summary>
    public void Collect(World world, IEnumerable<ScriptRpcBinding> bindings)
    {
        Clear();
        foreach (var binding in bindings)
        {
            _collected.Clear();
            binding.Collect(world, _collected);
            foreach (var (parameters, source) in _collected)
            {
                _perSender.TryGetValue(source, out int round);
                _perSender[source] = round + 1;
                _received.Add(new Received(binding, parameters, source, round, _received.Count));
            }
        }

        _collected.Clear();
        _received.Sort(static (a, b) => a.Round != b.Round ? a.Round.CompareTo(b.Round) : a.Arrival.CompareTo(b.Arrival));
    }

    /// <summary>Forgets the tick's RPCs.</summary>
    public void Clear()
    {
        _received.Clear();
        _perSender.Clear();
    }

    /// <summary>One received RPC.</summary>
    /// <param name="Binding">Its script name and struct.</param>
    /// <param name="Parameters">Its fields as a table.</param>
    /// <param name="Source">Who sent it.</param>
    /// <param name="Round">How many RPCs its sender sent before it this tick.</param>
    /// <param name="Arrival">Its place in the order collected.</param>
    internal readonly record struct Received(ScriptRpcBinding Binding, ScriptTable Parameters, RpcSource Source, int Round, int Arrival);
}
