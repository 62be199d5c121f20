import { describe, expect, it } from 'vitest';
import { emptyForm, fieldOfProblem, fromTemplate, newButton, problemsByField, toComponents, variablesOf, visibleFields, type TemplateForm } from './builder';
import { previewOf } from './preview';

function marketing(): TemplateForm {
  const form = emptyForm();
  form.name = 'summer_sale';
  form.header = { ...form.header, format: 'TEXT', text: 'Hi {{1}}', examples: { '1': 'Amira' } };
  form.body = { ...form.body, text: 'Your code {{1}} gives {{2}} off. Shop now!', examples: { '1': 'SUMMER', '2': '20%' } };
  form.footer = { ...form.footer, text: 'Reply STOP to opt out' };
  form.buttons = [
    { ...newButton('QUICK_REPLY'), text: 'Stop promotions' },
    { ...newButton('URL'), text: 'Shop', url: 'https://shop.example.com/{{1}}', example: 'summer' },
    { ...newButton('PHONE_NUMBER'), text: 'Call us', phone_number: '+15550783881' },
    { ...newButton('COPY_CODE'), example: 'SUMMER20' },
  ];
  return form;
}

describe('builder → Meta component JSON', () => {
  it('builds header, body with examples, footer and every button type', () => {
    expect(toComponents(marketing())).toEqual([
      { type: 'HEADER', format: 'TEXT', text: 'Hi {{1}}', example: { header_text: ['Amira'] } },
      { type: 'BODY', text: 'Your code {{1}} gives {{2}} off. Shop now!', example: { body_text: [['SUMMER', '20%']] } },
      { type: 'FOOTER', text: 'Reply STOP to opt out' },
      {
        type: 'BUTTONS',
        buttons: [
          { type: 'QUICK_REPLY', text: 'Stop promotions' },
          { type: 'URL', text: 'Shop', url: 'https://shop.example.com/{{1}}', example: ['summer'] },
          { type: 'PHONE_NUMBER', text: 'Call us', phone_number: '+15550783881' },
          { type: 'COPY_CODE', example: 'SUMMER20' },
        ],
      },
    ]);
  });

  it('orders positional examples by number and leaves out empty parts', () => {
    const form = emptyForm();
    form.body = { ...form.body, text: 'Hello {{2}} and {{1}} friends', examples: { '1': 'a', '2': 'b' } };
    expect(toComponents(form)).toEqual([{ type: 'BODY', text: 'Hello {{2}} and {{1}} friends', example: { body_text: [['a', 'b']] } }]);
  });

  it('uses *_named_params examples for named variables', () => {
    const form = emptyForm();
    form.parameter_format = 'named';
    form.header = { ...form.header, format: 'TEXT', text: 'Order {{order_id}}', examples: { order_id: '123' } };
    form.body = { ...form.body, text: 'Hi {{first_name}}, order {{order_id}} shipped.', examples: { first_name: 'Sara', order_id: '123' } };
    expect(toComponents(form)).toEqual([
      { type: 'HEADER', format: 'TEXT', text: 'Order {{order_id}}', example: { header_text_named_params: [{ param_name: 'order_id', example: '123' }] } },
      {
        type: 'BODY',
        text: 'Hi {{first_name}}, order {{order_id}} shipped.',
        example: {
          body_text_named_params: [
            { param_name: 'first_name', example: 'Sara' },
            { param_name: 'order_id', example: '123' },
          ],
        },
      },
    ]);
  });

  it('puts an uploaded media header handle in example.header_handle; LOCATION has none', () => {
    const form = emptyForm();
    form.body.text = 'See the picture.';
    form.header = { ...form.header, format: 'IMAGE', handle: '4::aW1hZ2U=' };
    expect(toComponents(form)[0]).toEqual({ type: 'HEADER', format: 'IMAGE', example: { header_handle: ['4::aW1hZ2U='] } });
    form.header.format = 'LOCATION';
    expect(toComponents(form)[0]).toEqual({ type: 'HEADER', format: 'LOCATION' });
  });

  it('builds an AUTHENTICATION template from its options (no header, OTP button)', () => {
    const form = emptyForm();
    form.name = 'login_code';
    form.category = 'AUTHENTICATION';
    form.header = { ...form.header, format: 'TEXT', text: 'ignored' };
    form.body.add_security_recommendation = true;
    form.footer.code_expiration_minutes = '10';
    expect(toComponents(form)).toEqual([
      { type: 'BODY', add_security_recommendation: true },
      { type: 'FOOTER', code_expiration_minutes: 10 },
      { type: 'BUTTONS', buttons: [{ type: 'OTP', otp_type: 'COPY_CODE' }] },
    ]);
    expect(previewOf(form).body).toBe('123456 is your verification code. For your security, do not share this code.');
    expect(previewOf(form).footer).toBe('This code expires in 10 minutes.');
  });

  it('round-trips stored components, keeping parts it does not edit', () => {
    const components = [
      { type: 'HEADER', format: 'TEXT', text: 'Hi {{1}}', example: { header_text: ['Amira'] } },
      { type: 'BODY', text: 'Code {{1}} gives 20% off today only!', example: { body_text: [['SUMMER']] }, extra_meta_key: 1 },
      { type: 'BUTTONS', buttons: [{ type: 'FLOW', text: 'Book', flow_id: '42' }, { type: 'URL', text: 'Shop', url: 'https://x.example/{{1}}', example: ['a'] }] },
      { type: 'CAROUSEL', cards: [{ components: [] }] },
    ];
    const form = fromTemplate({ name: 'promo', language: 'en', category: 'MARKETING', parameter_format: 'positional', components });
    expect(form.header.examples).toEqual({ '1': 'Amira' });
    expect(form.body.examples).toEqual({ '1': 'SUMMER' });
    expect(toComponents(form)).toEqual(components);
    // An edit keeps the rest as it was.
    form.body.text = 'Code {{1}} gives 30% off today only!';
    expect(toComponents(form)[1]).toEqual({ ...components[1], text: 'Code {{1}} gives 30% off today only!' });
  });

  it('finds the variables of a text once each, in order', () => {
    expect(variablesOf('{{2}} a {{1}} b {{2}} {{ first_name }}')).toEqual(['2', '1', 'first_name']);
  });
});

describe('lint problems at their fields', () => {
  const components = toComponents(marketing());

  it('maps a problem path to the builder field', () => {
    expect(fieldOfProblem('name', components)).toBe('name');
    expect(fieldOfProblem('components[0].text', components)).toBe('header.text');
    expect(fieldOfProblem('components[0].example.header_text', components)).toBe('header.examples');
    expect(fieldOfProblem('components[1].text', components)).toBe('body.text');
    expect(fieldOfProblem('components[1].example', components)).toBe('body.examples');
    expect(fieldOfProblem('components[1].example.body_text', components)).toBe('body.examples');
    expect(fieldOfProblem('components[2].text', components)).toBe('footer.text');
    expect(fieldOfProblem('components[3].buttons', components)).toBe('buttons');
    expect(fieldOfProblem('components[3].buttons[1].url', components)).toBe('buttons.1.url');
    expect(fieldOfProblem('components[3].buttons[1].example', components)).toBe('buttons.1.example');
    expect(fieldOfProblem('components[3].buttons[3].example', components)).toBe('buttons.3.example');
    expect(fieldOfProblem('components[3].buttons[0].text', components)).toBe('buttons.0.text');
    expect(fieldOfProblem('status', components)).toBe('general');
  });

  it('follows the component index when there is no header', () => {
    const form = marketing();
    form.header.format = 'NONE';
    const c = toComponents(form);
    expect(fieldOfProblem('components[0].text', c)).toBe('body.text');
    expect(fieldOfProblem('components[1].text', c)).toBe('footer.text');
  });

  it('groups problems by field; fields not on screen are general', () => {
    const grouped = problemsByField(
      [
        { path: 'components[1].text', code: 'body.trailing_variable', message: 'ends with a variable' },
        { path: 'components[1].text', code: 'body.adjacent_variables', message: 'adjacent' },
        { path: 'status', code: 'edit.daily_limit', message: 'one edit per day' },
      ],
      components,
    );
    expect(grouped.get('body.text')?.map((p) => p.code)).toEqual(['body.trailing_variable', 'body.adjacent_variables']);
    expect(grouped.get('general')?.map((p) => p.code)).toEqual(['edit.daily_limit']);
    const visible = visibleFields(marketing());
    expect(visible.has('body.text') && visible.has('header.examples') && visible.has('buttons.1.url')).toBe(true);
    expect(visible.has('general')).toBe(false);
  });
});
