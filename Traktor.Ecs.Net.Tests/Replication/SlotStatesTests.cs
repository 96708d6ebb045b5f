using System.Runtime.CompilerServices;
using Traktor.Ecs.Net.Replication.Server;

namespace Traktor.Ecs.Net.Tests.Replication;

/// <summary>A connection's sparse per-slot replication state behaves as a map from slot to state, whatever the order of changes.</summary>
public class SlotStatesTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void AddsFindsAndRemovesLikeADictionary(int seed)
    {
        // Slots cluster (as entity ids do) and also spread widely, so probe runs collide, wrap the table and are cut by
        // removals from their middle; the table grows past its first size and then shrinks back in use.
        var states = new SlotStates();
        var model = new Dictionary<int, uint>();
        var random = new Random(seed);
        for (int step = 0; step < 20_000; step++)
        {
            int slot = random.Next(4) == 0 ? random.Next(0, 100_000) : random.Next(0, 300);
            bool growing = (step / 5_000) % 2 == 0;
            if (random.Next(3) == 0 || (!growing && random.Next(2) == 0))
            {
                states.Remove(slot);
                model.Remove(slot);
            }
            else
            {
                uint value = (uint)random.Next();
                ref var state = ref states.GetOrAdd(slot);
                Assert.Equal(slot, state.Slot);
                Assert.Equal(model.TryGetValue(slot, out uint old) ? old : 0u, state.SentNetId);
                state.SentNetId = value;
                model[slot] = value;
            }

            Assert.Equal(model.Count, states.Count);
            if (step % 97 == 0)
            {
                for (int probe = 0; probe < 300; probe++)
                {
                    ref var found = ref states.Find(probe);
                    Assert.Equal(model.ContainsKey(probe), !Unsafe.IsNullRef(ref found));
                    if (model.TryGetValue(probe, out uint expected))
                    {
                        Assert.Equal(expected, found.SentNetId);
                    }
                }

                foreach (var (slot2, expected) in model)
                {
                    Assert.Equal(expected, states.Find(slot2).SentNetId);
                }
            }
        }
    }

    [Fact]
    public void AStateAddedAgainAfterRemovalStartsFromZeros()
    {
        var states = new SlotStates();
        ref var state = ref states.GetOrAdd(7);
        state.SentNetId = 3;
        state.AckedCount = 2;
        state.Priority = 1.5f;
        state.KnownIndex = 0;
        states.Remove(7);

        ref var again = ref states.GetOrAdd(7);
        Assert.Equal(0u, again.SentNetId);
        Assert.Equal(0, again.AckedCount);
        Assert.Equal(0f, again.Priority);
        Assert.Equal(-1, again.KnownIndex);
    }
}
