using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Traktor.Ecs.Net.Sessions;

namespace Traktor.Ecs.Net.Tests.Rpc;

/// <summary>
/// <see cref="RpcOptions.MaxHoldTime"/> and <see cref="RpcOptions.ReconnectGracePeriod"/> are bounded above (attack review
/// 29, the options audit). Before, only negative values were refused: <see cref="TimeSpan.MaxValue"/> as the grace period
/// kept every leaving player's entities on the server for good, so players coming and going grew it without bound.
/// </summary>
public sealed class RpcTimeOptionsValidationTests
{
    public static TheoryData<string, TimeSpan> BadTimes => new()
    {
        { nameof(RpcOptions.MaxHoldTime), TimeSpan.FromMinutes(1) + TimeSpan.FromTicks(1) },
        { nameof(RpcOptions.MaxHoldTime), TimeSpan.MaxValue },
        { nameof(RpcOptions.ReconnectGracePeriod), TimeSpan.FromDays(1) + TimeSpan.FromTicks(1) },
        { nameof(RpcOptions.ReconnectGracePeriod), TimeSpan.MaxValue },
    };

    [Theory]
    [MemberData(nameof(BadTimes))]
    public void A_hold_or_grace_past_its_bound_is_refused(string option, TimeSpan value)
    {
        var options = new RpcOptions();
        typeof(RpcOptions).GetProperty(option)!.SetValue(options, value);

        var refused = Assert.Throws<ArgumentOutOfRangeException>(options.Validate);
        Assert.Equal(option, refused.ParamName);
    }

    [Fact]
    public void The_bounds_themselves_are_taken() =>
        new RpcOptions { MaxHoldTime = TimeSpan.FromMinutes(1), ReconnectGracePeriod = TimeSpan.FromDays(1) }.Validate();

    [Fact]
    public void A_grace_keeper_made_directly_refuses_a_period_past_a_day()
    {
        using var world = World.Create();
        var refused = Assert.Throws<ArgumentOutOfRangeException>(() => new ReconnectGrace(world, TimeSpan.MaxValue, new FakeTimeProvider(), NullLogger.Instance));
        Assert.Equal("period", refused.ParamName);
    }
}
