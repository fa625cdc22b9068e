import { test } from 'node:test';
import assert from 'node:assert/strict';
import { commandForKey } from '../../../renderer/src/lib/grid/keyboard.ts';

const hotkeys = new Map([
  ['1', 11],
  ['2', 12],
  ['c', 13],
]);

test('class hotkeys label; unbound digits do nothing', () => {
  assert.deepEqual(commandForKey({ key: '1' }, hotkeys), { type: 'label', classId: 11 });
  assert.deepEqual(
    commandForKey({ key: 'C' }, hotkeys),
    { type: 'label', classId: 13 },
    'letters ignore caps lock',
  );
  assert.equal(commandForKey({ key: 'C', shiftKey: true }, hotkeys), null);
  assert.equal(commandForKey({ key: '7' }, hotkeys), null);
  assert.equal(commandForKey({ key: '1', altKey: true }, hotkeys), null);
});

test('Backspace and Delete clear the label; 0 labels the class that has it, like any key', () => {
  for (const key of ['Backspace', 'Delete'])
    assert.deepEqual(commandForKey({ key }, hotkeys), { type: 'clear' });
  assert.equal(commandForKey({ key: '0' }, hotkeys), null);
  assert.deepEqual(commandForKey({ key: '0' }, new Map([['0', 9]])), { type: 'label', classId: 9 });
});

test('undo, redo and select all with Ctrl or Cmd', () => {
  assert.deepEqual(commandForKey({ key: 'z', ctrlKey: true }, hotkeys), { type: 'undo' });
  assert.deepEqual(commandForKey({ key: 'z', metaKey: true }, hotkeys), { type: 'undo' });
  assert.deepEqual(commandForKey({ key: 'Z', ctrlKey: true, shiftKey: true }, hotkeys), { type: 'redo' });
  assert.deepEqual(commandForKey({ key: 'y', ctrlKey: true }, hotkeys), { type: 'redo' });
  assert.deepEqual(commandForKey({ key: 'a', ctrlKey: true }, hotkeys), { type: 'selectAll' });
  assert.equal(commandForKey({ key: '1', ctrlKey: true }, hotkeys), null, 'Ctrl+1 is not a label');
});

test('arrows move (shift extends), Enter opens, Escape closes', () => {
  assert.deepEqual(commandForKey({ key: 'ArrowDown' }, hotkeys), {
    type: 'move',
    dir: 'down',
    extend: false,
  });
  assert.deepEqual(commandForKey({ key: 'ArrowLeft', shiftKey: true }, hotkeys), {
    type: 'move',
    dir: 'left',
    extend: true,
  });
  assert.deepEqual(commandForKey({ key: 'End', ctrlKey: true }, hotkeys), {
    type: 'move',
    dir: 'end',
    extend: false,
  });
  assert.deepEqual(commandForKey({ key: 'Enter' }, hotkeys), { type: 'open' });
  assert.deepEqual(commandForKey({ key: 'Escape' }, hotkeys), { type: 'close' });
  assert.equal(commandForKey({ key: 'Tab' }, hotkeys), null, 'Tab keeps moving focus');
});
