using System.Numerics;
using Traktor.Ecs.Net.Scripting;
using Traktor.Ecs.Net.Serialization;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Tests.Scripting;

/// <summary>
/// What a player can put in a received RPC's fields reaches a Lua handler as well-defined values (attack review 23):
/// NaN and ±infinity floats as Lua numbers, 64-bit extremes as integers (a <c>ulong</c> past <c>long.MaxValue</c>
/// clamped), a <c>FixedString64</c> of invalid UTF-8 as replacement characters (3 bytes each, so at most 189 bytes for its 63). The
/// script's own misuse of them (a NaN table key) fails at its line as any Lua error, and the next RPC is handled.
/// </summary>
[Collection(nameof(SeedSnippetTests))]
public sealed class ScriptRpcArgumentTests
{
    /// <summary>The fields an RPC can carry that a script reads; mapped by reflection, as an <c>[Rpc]</c> struct is.</summary>
    private struct Probe
    {
        public float Speed;
        public double Mass;
        public Vector3 Aim;
        public FixedString64 Name;
        public long Big;
        public ulong Huge;
    }

    [Fact]
    public void Nan_infinities_integer_extremes_and_invalid_utf8_reach_the_handler_as_defined_values()
    {
        using var host = new ScriptHost(new ScriptServices { Rpcs = new ScriptRpcMap().Map<Probe>("probe") });
        var script = host.Load("probe.lua", """
            seen = {}
            function Script:probe(p, sender)
              seen[#seen + 1] = table.concat({ tostring(p.speed ~= p.speed), tostring(p.mass), tostring(p.aim.x),
                tostring(p.aim.y ~= p.aim.y), tostring(p.aim.z), math.type(p.big), tostring(p.big), tostring(p.huge),
                tostring(#p.name) }, " ")
              local t = {}
              t[p.speed] = true
            end
            """);
        var name = new byte[FixedString64.Capacity];
        Array.Fill(name, (byte)0xFF);
        Assert.True(FixedString64.TryFromUtf8(name, out var invalid));
        var source = new RpcSource(new ConnectionId(1, 1));
        host.World.Create(new Probe { Speed = float.NaN, Mass = double.PositiveInfinity, Aim = new Vector3(float.NegativeInfinity, float.NaN, float.MaxValue),
            Name = invalid, Big = long.MinValue, Huge = ulong.MaxValue }, source);
        host.World.Create(new Probe { Speed = float.NaN }, source);

        host.Tick();

        var seen = script.GetGlobal("seen").AsTable!;
        Assert.Equal(2, seen.Items.Count);
        // Lua writes a float with 14 significant digits: float.MaxValue as 3.4028234663853e+38.
        Assert.Equal("true inf -inf true 3.4028234663853e+38 integer -9223372036854775808 9223372036854775807 189", seen.Items[0].AsString);
        Assert.Equal(2, script.Errors.Count);
        Assert.All(script.Errors, error => Assert.Equal((ScriptErrorKind.Runtime, "probe.lua", 7), (error.Kind, error.File, error.Line)));
        Assert.Contains("index is NaN", script.Errors.First().Message);
    }
}
