using Microsoft.Extensions.Time.Testing;
using Traktor.Ecs.Net.Tests.Replication;
using Traktor.Ecs.Net.Transport;
using Traktor.Ecs.Systems;

namespace Traktor.Ecs.Net.Tests.Prediction;

/// <summary>
/// <see cref="ClientPredictionOptions.MaxRateAdjustment"/> is checked when the prediction is made (attack review 28, the
/// options audit). Before, a NaN bound made <c>Math.Clamp</c> return the pacing error unclamped (no bound on the client's
/// speed-up), a negative one made it throw at every tick, and 1 or more could stop the client's clock.
/// </summary>
public sealed class PacingOptionsValidationTests
{
    [Theory]
    [InlineData(double.NaN)]
    [InlineData(-0.05)]
    [InlineData(1.0)]
    [InlineData(double.PositiveInfinity)]
    public void A_pacing_bound_that_breaks_the_clients_clock_is_refused_when_the_prediction_is_made(double value)
    {
        var time = new FakeTimeProvider();
        using var world = World.Create();
        var netClient = new NetClient(new InMemoryNetwork().CreateTransport(), new NetClientOptions { ProtocolId = 1, Insecure = true }, time, ownsTransport: true);
        var client = new NetworkClient(world, netClient, ReplicationWorld.Registry, 60, time);

        var refused = Assert.Throws<ArgumentOutOfRangeException>(() => new ClientPrediction<MoveInput, MoveInputSerializer>(client,
            new Group<float>("predicted"), _ => new MoveInput(), options: new ClientPredictionOptions { MaxRateAdjustment = value }));
        Assert.Equal(nameof(ClientPredictionOptions.MaxRateAdjustment), refused.ParamName);
    }

    /// <summary>
    /// <see cref="ClientPredictionOptions.TargetBufferTicks"/> is 0 to 32 (options2, the options audit's leftovers). Before,
    /// any value was taken: a negative one, cast to a tick count, predicted about four billion ticks ahead.
    /// </summary>
    [Theory]
    [InlineData(-1)]
    [InlineData(33)]
    [InlineData(int.MaxValue)]
    public void A_target_buffer_out_of_range_is_refused_when_the_prediction_is_made(int ticks)
    {
        var time = new FakeTimeProvider();
        using var world = World.Create();
        var netClient = new NetClient(new InMemoryNetwork().CreateTransport(), new NetClientOptions { ProtocolId = 1, Insecure = true }, time, ownsTransport: true);
        var client = new NetworkClient(world, netClient, ReplicationWorld.Registry, 60, time);

        var refused = Assert.Throws<ArgumentOutOfRangeException>(() => new ClientPrediction<MoveInput, MoveInputSerializer>(client,
            new Group<float>("predicted"), _ => new MoveInput(), options: new ClientPredictionOptions { TargetBufferTicks = ticks }));
        Assert.Equal(nameof(ClientPredictionOptions.TargetBufferTicks), refused.ParamName);
    }

    /// <summary>
    /// <see cref="ServerInputOptions{TInput}.MaxRewindTicks"/> is 0 to 1,000, checked on a copy when the server's inputs are
    /// made. Before, a negative value was taken and crossed <c>Math.Clamp</c>'s bounds: every lag-compensated hit test threw.
    /// </summary>
    [Theory]
    [InlineData(-1)]
    [InlineData(1001)]
    public void A_rewind_bound_out_of_range_is_refused_when_the_server_inputs_are_made(int ticks)
    {
        using var setup = new ReplicationWorld(new LinkConditions(), new ServerReplicationOptions());

        var refused = Assert.Throws<ArgumentOutOfRangeException>(() =>
            new ServerInputs<MoveInput, MoveInputSerializer>(setup.Server, new ServerInputOptions<MoveInput> { MaxRewindTicks = ticks }));
        Assert.Equal(nameof(ServerInputOptions<MoveInput>.MaxRewindTicks), refused.ParamName);
    }
}
