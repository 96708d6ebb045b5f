using Traktor.Ecs.Net.Rpc;
using Traktor.Ecs.Net.Scripting;
using Traktor.Ecs.Net.Tests.Scripting;
using Traktor.Ecs.Net.Tests.Transport;

namespace Traktor.Ecs.Net.Tests.Rpc;

/// <summary>
/// The RPC rates (a client's on the server, a script's own) are checked when they are made, as
/// the handshake budget's are (attack review 28, the options audit). Before, infinity passed the checks: the token bucket
/// became NaN at the second RPC of an instant, never "below one token", so the rate limit was off for every client.
/// Checked by reverting to the old checks (<c>ThrowIfNegativeOrZero</c>, <c>ThrowIfLessThan(Burst, 1)</c>): the infinity
/// cases failed (the server took them); NaN, 0 and 0.5 were refused by those checks too (their <c>CompareTo</c> orders NaN
/// below every number) and stay here as the other side of the bounds. Each asserts what the server does with the option,
/// never the wording of the refusal.
/// </summary>
public sealed class RpcRateOptionsValidationTests
{
    [Theory]
    [InlineData(nameof(RpcOptions.RatePerSecond), double.NaN)]
    [InlineData(nameof(RpcOptions.RatePerSecond), double.PositiveInfinity)]
    [InlineData(nameof(RpcOptions.RatePerSecond), 0.0)]
    [InlineData(nameof(RpcOptions.Burst), double.NaN)]
    [InlineData(nameof(RpcOptions.Burst), double.PositiveInfinity)]
    [InlineData(nameof(RpcOptions.Burst), 0.5)]
    public void A_client_rpc_rate_that_is_not_finite_or_too_small_is_refused_before_the_server_takes_rpcs(string option, double value)
    {
        var options = new RpcOptions();
        typeof(RpcOptions).GetProperty(option)!.SetValue(options, value);
        using var harness = new TransportHarness();
        using var world = World.Create();
        var server = new NetworkServer(world, harness.Server, RpcWorld.Replicated);

        var refused = Assert.Throws<ArgumentOutOfRangeException>(() => new RpcServer(server, RpcWorld.Rpcs, options, harness.Time));
        Assert.Equal(option, refused.ParamName);
        Assert.Equal(value, refused.ActualValue);

        // Refused before it attached anything: no client RPC is taken under the refused limit. The same server then
        // takes the layer with valid limits, and holds clients to them.
        Assert.Null(server.MessageBudgetOf(RpcFormat.ClientRpcMessage));
        var valid = new RpcOptions();
        _ = new RpcServer(server, RpcWorld.Rpcs, valid, harness.Time);
        Assert.Equal(new MessageBudget(valid.MaxRpcBytes, 2 * valid.RatePerSecond, 2 * valid.Burst), server.MessageBudgetOf(RpcFormat.ClientRpcMessage));
    }

    [Fact]
    public void The_smallest_valid_client_rpc_rates_are_taken() => new RpcOptions { RatePerSecond = double.Epsilon, Burst = 1 }.Validate();

    [Theory]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    [InlineData(0.0)]
    public void A_script_rpc_rate_that_is_not_finite_and_positive_is_refused(double value)
    {
        var refused = Assert.Throws<ArgumentOutOfRangeException>(() => new ScriptHost(options: new LuaScriptOptions { RpcsPerSecond = value }));
        Assert.Equal(nameof(LuaScriptOptions.RpcsPerSecond), refused.ParamName);
    }
}
