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

    [Fact]
    public void APlacePassedAlongFindsItsSlotEvenAfterRemovalsMovedIt()
    {
        // Record building passes each candidate's place along; a removal in between (a filtered-out slot is forgotten)
        // moves the last entry into the hole, and a growth moves nothing. A stale place must never give another slot's
        // state, and a removed slot reads as a fresh state again.
        var states = new SlotStates();
        var places = new Dictionary<int, int>();
        for (int slot = 0; slot < 100; slot++)
        {
            places[slot] = states.GetOrAddIndex(slot * 7);
            states.At(places[slot], slot * 7).SentNetId = (uint)slot + 1;
        }

        Assert.Equal(places[0], states.IndexOf(0));
        Assert.Equal(-1, states.IndexOf(5));
        states.Remove(3 * 7);   // the last entry (slot 99) moves into slot 3's place
        states.Remove(50 * 7);
        for (int slot = 0; slot < 100; slot++)
        {
            ref var state = ref states.At(places[slot], slot * 7);
            Assert.Equal(slot * 7, state.Slot);
            Assert.Equal(slot is 3 or 50 ? 0u : (uint)slot + 1, state.SentNetId);
        }

        Assert.Equal(100, states.Count); // 3 and 50 came back (all zeros) when asked for
        Assert.Equal(states.IndexOf(99 * 7), states.GetOrAddIndex(99 * 7));
    }
}
