using Traktor.Ecs.Net.Scripting.Runtime;

namespace Traktor.Ecs.Net.Scripting.Api;

/// <summary><c>netConfig</c>: <c>netConfig.logPackets = true</c> switches the transport's pcapng capture (<see cref="ScriptPacketLog"/>).</summary>
internal sealed class NetConfigApi(ScriptServices services)
{
    public IEnumerable<KeyValuePair<string, ScriptPrimitive>> Primitives()
    {
        yield return new("getNetConfig", Get);
        yield return new("setNetConfig", Set);
    }

    private int Get(LuaCall call)
    {
        string key = Key(call);
        return call.Return(services.PacketLog?.Enabled ?? false);
    }

    private int Set(LuaCall call)
    {
        Key(call);
        if (call.TypeOf(2) != KeraLua.LuaType.Boolean)
        {
            throw new ScriptCallException("netConfig.logPackets must be true or false");
        }

        var log = services.PacketLog ?? throw new ScriptCallException("netConfig.logPackets: this host has no packet log configured");
        log.Set(call.Value(2).AsBoolean);
        return call.Return(true);
    }

    private static string Key(LuaCall call)
    {
        string key = call.TypeOf(1) == KeraLua.LuaType.String ? call.String(1) : "?";
        return key == "logPackets" ? key : throw new ScriptCallException($"netConfig has no field '{key}' (it has: logPackets)");
    }
}
