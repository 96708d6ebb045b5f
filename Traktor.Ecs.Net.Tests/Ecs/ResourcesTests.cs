namespace Traktor.Ecs.Net.Tests.Ecs;

public class ResourcesTests
{
    private interface IClock
    {
        double Now { get; }
    }

    private sealed class FixedClock(double now) : IClock
    {
        public double Now => now;
    }

    private sealed class Service : IDisposable
    {
        public int Disposals { get; private set; }

        public void Dispose() => Disposals++;
    }

    private sealed class Config
    {
        public int TickRate { get; init; }
    }

    [Fact]
    public void Add_get_tryget_has_by_the_key_type()
    {
        using var world = World.Create();
        var clock = new FixedClock(12.5);
        world.Resources.Add<IClock>(clock);
        world.Resources.Add(new Config { TickRate = 60 });

        Assert.Same(clock, world.Resources.Get<IClock>());
        Assert.Equal(12.5, world.Resources.Get<IClock>().Now);
        Assert.Equal(60, world.Resources.Get<Config>().TickRate);
        Assert.True(world.Resources.Has<IClock>());
        Assert.False(world.Resources.Has<FixedClock>()); // keyed by the type it was added as
        Assert.True(world.Resources.TryGet<Config>(out var config));
        Assert.Equal(60, config.TickRate);
        Assert.False(world.Resources.TryGet<FixedClock>(out var missing));
        Assert.Null(missing);
        Assert.Equal(2, world.Resources.Count);
    }

    [Fact]
    public void Errors_name_generic_types_as_written_in_CSharp_and_say_what_holds_the_key()
    {
        // A newcomer's hosting world met "Resources already hold a InputSource`1", which named neither the input nor the holder.
        using var world = World.Create();
        var missing = Assert.Throws<KeyNotFoundException>(() => world.Resources.Get<List<Config>>());
        Assert.Contains("world.Resources.Add<List<Config>>(", missing.Message);

        world.Resources.Add<IReadOnlyList<Config>>(new List<Config>());
        var duplicate = Assert.Throws<InvalidOperationException>(() => world.Resources.Add<IReadOnlyList<Config>>(new Config[1]));
        Assert.Contains("already hold a IReadOnlyList<Config> (a List<Config>)", duplicate.Message);
    }

    [Fact]
    public void Missing_and_duplicate_resources_give_clear_errors()
    {
        using var world = World.Create();
        var missing = Assert.Throws<KeyNotFoundException>(() => world.Resources.Get<Config>());
        Assert.Contains(nameof(Config), missing.Message);

        world.Resources.Add(new Config());
        var duplicate = Assert.Throws<InvalidOperationException>(() => world.Resources.Add(new Config()));
        Assert.Contains(nameof(Config), duplicate.Message);
        Assert.Contains("Replace", duplicate.Message);

        Assert.Throws<ArgumentNullException>(() => world.Resources.Add<Config>(null!));
        Assert.Throws<ArgumentNullException>(() => world.Resources.Replace<Config>(null!));
    }

    [Fact]
    public void Replace_swaps_and_returns_the_previous_instance()
    {
        using var world = World.Create();
        Assert.Null(world.Resources.Replace(new Config { TickRate = 30 }));
        var second = new Config { TickRate = 60 };
        var previous = world.Resources.Replace(second);
        Assert.Equal(30, previous!.TickRate);
        Assert.Same(second, world.Resources.Get<Config>());
        Assert.Equal(1, world.Resources.Count);
    }

    [Fact]
    public void Remove_takes_it_out_without_disposing()
    {
        using var world = World.Create();
        var service = new Service();
        world.Resources.Add(service);
        Assert.True(world.Resources.Remove<Service>());
        Assert.False(world.Resources.Remove<Service>());
        Assert.False(world.Resources.Has<Service>());
        Assert.Throws<KeyNotFoundException>(() => world.Resources.Get<Service>());
        world.Dispose();
        Assert.Equal(0, service.Disposals);
    }

    [Fact]
    public void Destroying_the_world_disposes_each_disposable_resource_once()
    {
        var world = World.Create();
        var service = new Service();
        var replaced = new Service();
        world.Resources.Add(replaced);
        world.Resources.Replace(service);
        world.Resources.Add<IDisposable>(service); // the same instance under a second key
        world.Resources.Add(new Config());

        World.Destroy(world);

        Assert.Equal(1, service.Disposals);
        Assert.Equal(0, replaced.Disposals); // handed back by Replace: the caller owns it
        Assert.Equal(0, world.Resources.Count);
    }
}
