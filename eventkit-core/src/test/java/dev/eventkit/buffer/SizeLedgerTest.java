package dev.eventkit.buffer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class SizeLedgerTest {

  @Test
  void bytesBetweenSumsTheSizesAfterTheFirstSequenceUpToTheSecond() {
    SizeLedger ledger = new SizeLedger(8, 100);
    for (int size = 1; size <= 5; size++) {
      ledger.add(size * 10); // sequences 101..105
    }
    assertThat(ledger.highest()).isEqualTo(105);
    assertThat(ledger.bytesBetween(100, 105)).isEqualTo(150);
    assertThat(ledger.bytesBetween(101, 103)).isEqualTo(50);
    assertThat(ledger.bytesBetween(104, 104)).isZero();
  }

  @Test
  void aFullWindowForgetsTheOldestTotals() {
    SizeLedger ledger = new SizeLedger(4, 0);
    for (int i = 0; i < 10; i++) {
      ledger.add(7); // sequences 1..10
    }
    assertThat(ledger.lowest()).isEqualTo(7);
    assertThat(ledger.bytesBetween(7, 10)).isEqualTo(21);
    assertThatThrownBy(() -> ledger.bytesBetween(6, 10)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void resetMakesTheGivenSequenceTheOrigin() {
    SizeLedger ledger = new SizeLedger(4, 0);
    ledger.add(5);
    ledger.reset(50);
    ledger.add(3);
    assertThat(ledger.lowest()).isEqualTo(50);
    assertThat(ledger.bytesBetween(50, 51)).isEqualTo(3);
    assertThatThrownBy(() -> ledger.bytesBetween(0, 51)).isInstanceOf(IllegalArgumentException.class);
  }
}
