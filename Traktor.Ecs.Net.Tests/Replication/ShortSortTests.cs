using Traktor.Ecs.Net.Replication;

namespace Traktor.Ecs.Net.Tests.Replication;

/// <summary>
/// The server's short sort gives exactly the order of <see cref="MemoryExtensions.Sort{T}(Span{T}, Comparison{T})"/>,
/// ties included (which candidate of equal priority is taken first must not change with the sort).
/// </summary>
public class ShortSortTests
{
    private readonly record struct Item(float Key, int Id);

    private readonly struct ByKeyDescending : ISortOrder<Item>
    {
        public static int Compare(in Item a, in Item b) => b.Key.CompareTo(a.Key);
    }

    private static readonly Comparison<Item> KeyDescending = static (a, b) => b.Key.CompareTo(a.Key);

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void OrdersAsSpanSortDoesTiesIncluded(int seed)
    {
        var random = new Random(seed);
        for (int round = 0; round < 20_000; round++)
        {
            int length = random.Next(0, 40); // both sides of the threshold
            int distinctKeys = random.Next(1, 6); // few keys: many ties
            var items = new Item[length];
            for (int i = 0; i < length; i++) items[i] = new Item(random.Next(distinctKeys) * 0.5f, i);
            var expected = items.ToArray();
            expected.AsSpan().Sort(KeyDescending);

            ShortSort.Sort<Item, ByKeyDescending>(items, KeyDescending);

            Assert.Equal(expected, items);
        }
    }
}
