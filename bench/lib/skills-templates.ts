// Phrasings for the semi-synthetic ABCD dialogues of bench:skills: customers' requests per
// subflow, agents' turns per action (styled on ABCD's own agent turns) and the action log
// lines ABCD shows after each action. Written by hand for this benchmark, never from the miner.

/** What the customer wants, per ABCD subflow, as a verb phrase ("recover my username"). */
export const SUBFLOW_REQUESTS: Record<string, string[]> = {
  recover_username: ["recover my username", "find out my username"],
  recover_password: ["reset my password", "get back into my account, I forgot my password"],
  reset_2fa: ["reset my two-factor authentication", "fix my 2FA, I lost my phone"],
  status_service_added: ["check why a service was added to my subscription", "remove a service I never asked for"],
  status_service_removed: ["check why a service was removed from my account", "get a service back on my subscription"],
  status_shipping_question: ["check the shipping on my subscription", "know when my subscription box ships"],
  status_credit_missing: ["find a credit that is missing from my account", "get the credit I was promised"],
  manage_change_address: ["change the address on my account", "update my address"],
  manage_change_name: ["change the name on my account", "fix my name, it is misspelled"],
  manage_change_phone: ["change the phone number on my account", "update my phone number"],
  manage_payment_method: ["change my payment method", "update the card on my account"],
  status_mystery_fee: ["ask about a fee on my order I do not recognize", "remove an extra charge on my order"],
  status_delivery_time: ["change the delivery time of my order", "move my delivery to the evening"],
  status_payment_method: ["change the payment method of an order", "pay my order with another card"],
  status_quantity: ["fix the quantity of my order, the email says two", "correct an order that shows the wrong quantity"],
  manage_upgrade: ["upgrade the shipping on my order", "get my order faster"],
  manage_downgrade: ["downgrade the shipping on my order", "switch my order to cheaper shipping"],
  manage_create: ["add an item to my order", "order one more item with my current order"],
  manage_cancel: ["cancel my order", "cancel an order I just placed"],
  refund_initiate: ["get a refund for an item", "return something for my money back"],
  refund_update: ["add another item to my refund", "update my refund with a second item"],
  refund_status: ["check on the status of a refund", "know where my refund is"],
  return_stain: ["return a shirt, it has a stain", "send back an item that came stained"],
  return_color: ["return an item, the color is wrong", "send back jeans in the wrong color"],
  return_size: ["return an item, I got the wrong size", "exchange boots that do not fit"],
  bad_price_competitor: ["complain about a price, a competitor sells it cheaper", "get a better price, another site is cheaper"],
  bad_price_yesterday: ["get yesterday's price back, it went up today", "ask why the price went up since yesterday"],
  out_of_stock_general: ["know why everything I want is out of stock", "complain that items are always out of stock"],
  out_of_stock_one_item: ["buy an item that shows out of stock", "order a jacket that is sold out"],
  promo_code_invalid: ["use a promo code that does not work", "fix a promo code the site rejects"],
  promo_code_out_of_date: ["use a promo code that expired", "get a new promo code, mine is out of date"],
  mistimed_billing_already_returned: ["dispute a bill for an item I already returned", "stop being charged for a returned item"],
  mistimed_billing_never_bought: ["dispute a charge for something I never bought", "remove a charge I do not recognize"],
  status: ["check the status of my shipment", "find out where my package is"],
  manage: ["change the shipping address of my order", "update where my order ships"],
  missing: ["report an item missing from my package", "get the item that was missing from my box"],
  cost: ["ask about the shipping cost on my order", "get the shipping fee refunded"],
  boots: ["ask a question about your boots", "know if the boots are waterproof"],
  shirt: ["ask a question about a shirt", "know how the shirt should be washed"],
  jeans: ["ask a question about your jeans", "know the leg length of the jeans"],
  jacket: ["ask a question about a jacket", "know if the jacket runs small"],
  pricing: ["ask about your pricing", "know if prices include tax"],
  membership: ["ask about membership levels", "know what gold members get"],
  timing: ["ask how long promo codes last", "know when a sale ends"],
  policy: ["ask about your return policy", "know the exchange policy"],
  status_active: ["check if my subscription is active", "see whether my premium subscription is still on"],
  status_due_amount: ["know how much I owe on my subscription", "check my subscription bill amount"],
  status_due_date: ["know when my subscription payment is due", "check the due date of my bill"],
  manage_pay_bill: ["pay my subscription bill", "pay what I owe on my subscription"],
  manage_extension: ["get an extension on my subscription payment", "pay my subscription bill later"],
  manage_dispute_bill: ["dispute my subscription bill", "complain about my subscription charge"],
  credit_card: ["fix the site rejecting my credit card", "pay, my card keeps getting declined"],
  shopping_cart: ["fix my shopping cart, it does not update", "get items to show up in my cart"],
  search_results: ["fix the search on your site, it shows nothing", "find items, the search results are broken"],
  slow_speed: ["fix the site, it is really slow", "get the website to load faster"],
};

/** How a customer opens, around the request phrase. */
export const OPENINGS: string[] = ["Hi! I need to {req}, can you help me with that?", "hello, I want to {req}.", "Hey there. I'd like to {req}.", "Hi, could you help me {req}?"];

export const GREETINGS: string[] = ["Hi! How can I help you?", "good afternoon, how can I help you?", "Thank you for contacting AcmeBrands. How can I help you?", "Hello, how may I help you today?"];

export const CLOSINGS: Array<[string, string, string]> = [
  ["Is there anything else I can help you with?", "No, that's all. Thanks!", "Have a great day!"],
  ["Anything else I can do for you today?", "nope, thanks for your help", "a pleasure to help you, have a nice day"],
  ["Would there be anything else?", "That's it, thank you so much.", "You're welcome. Take care!"],
];

/** Small talk an agent and customer exchange mid-task (never a step). */
export const CHITCHAT: Array<[string, string]> = [
  ["I hope your day is going well!", "it is, thanks for asking"],
  ["one moment please", "no worries"],
  ["thanks for your patience", "sure, take your time"],
  ["I love that brand too", "haha yes, it's my favorite"],
];

/**
 * Agent turns before each ABCD action: what the agent says to gather its inputs or to announce
 * it. `{x}` is filled from the scenario. Several phrasings each; some name no slot at all.
 */
export const AGENT_TURNS: Record<string, string[]> = {
  "pull-up-account": ["sure, may I have your name please?", "Could I get your full name or account ID?", "Let me pull up your account. Who am I speaking with?"],
  "verify-identity": ["I need to verify your identity, can you give me your account ID and order ID?", "Can you confirm your full name, account ID and order ID for me?", "Just to make sure it's really you, what is your account ID and the order ID?"],
  "validate-purchase": ["ok, may I have your username, email address and order ID please?", "I'll need your username, email and order ID to validate the purchase.", "Let me validate that purchase. Could you give me the username and email on the account, and the order ID?"],
  "enter-details": ["I'd just need your {detail_name}.", "Can you give me your {detail_name} so I can enter it?", "Please provide your {detail_name}."],
  "make-password": ["I cannot get your old password, but I can generate a new one. What is your pin number or the answer to your security question?", "I'll make you a new password. Can you give me your pin number?", "To create a new password I need the answer to your security question."],
  "send-link": ["I'll send you a link to reset it.", "I have sent a link to your email, please follow it.", "Let me send you a link with the instructions."],
  "record-reason": ["May I ask the reason?", "Can you tell me the reason for this?", "What is the reason you're contacting us about it?"],
  "ask-the-oracle": ["Let me check the system.", "Let me look into that for you.", "I'll check with our system whether that was an error."],
  "update-account": ["I'll update your account now.", "Let me update that on your account.", "I have updated your account."],
  "offer-refund": ["How much was the item? I can offer a refund.", "I can refund you, what was the amount?", "I'll issue a refund. What was the price of the item?"],
  "promo-code": ["I'll generate a promo code for you.", "Let me create a promo code for your trouble.", "I can offer you a discount code."],
  membership: ["What is your membership level?", "Are you a gold, silver, bronze or guest member?", "Could you tell me your membership level?"],
  "update-order": ["How would you like me to update the order?", "I'll update your order now.", "Let me change that on your order."],
  "shipping-status": ["Has the item already shipped? What is the shipping status?", "Can you tell me the shipping status of the order?", "What does the order status say?"],
  "make-purchase": ["I'll place the order for the {product} now.", "Let me make that purchase for you.", "I'm going to order the {product} for you."],
  "notify-team": ["I can escalate to my manager if you'd like", "I'll notify the {team} about this.", "Let me let the {team} know."],
  "search-faq": ["Let me search our FAQ for that.", "one moment, I'll check our FAQ pages", "Let me look that up."],
  "search-boots": ["Let me look at the boots section.", "Checking the info on boots.", "Let me find the answer about the boots."],
  "search-shirt": ["Let me look at the shirt section.", "Checking the info on shirts.", "Let me find the answer about the shirt."],
  "search-jeans": ["Let me look at the jeans section.", "Checking the info on jeans.", "Let me find the answer about the jeans."],
  "search-jacket": ["Let me look at the jacket section.", "Checking the info on jackets.", "Let me find the answer about the jacket."],
  "search-pricing": ["Let me check our pricing info.", "Checking the pricing page.", "Let me find the pricing answer."],
  "search-membership": ["Let me check the membership info.", "Checking the membership page.", "Let me find the membership answer."],
  "search-timing": ["Let me check the timing info.", "Checking the timing page.", "Let me find the timing answer."],
  "search-policy": ["Let me check our policy.", "Checking the policy page.", "Let me find the policy answer."],
  "select-faq": ["Here is the answer: {faq_answer}", "Ok, {faq_answer}", "So, {faq_answer}"],
  "subscription-status": ["Let me check the status of your subscription.", "I'll look up your subscription.", "Checking your subscription status now."],
  "try-again": ["Could you try again and tell me if it works?", "Please try that one more time.", "Can you retry it now?"],
  "log-out-in": ["Please log out and log back in.", "Try logging out of your account and then back in.", "Can you sign out and sign in again?"],
  instructions: ["Please clear your browser cookies and reload the page.", "Try clearing the cache and restarting the browser.", "Open the site in a private window and check again."],
};

/** Answers that end a FAQ search (select-faq). */
export const FAQ_ANSWERS: string[] = ["all promo codes expire after 7 days.", "gold members get free returns.", "the leg length is 32 inches.", "prices do not include tax.", "wash it in cold water."];

/** ABCD's action log lines (as the dataset shows them after an agent's click). */
export const ACTION_TEXTS: Record<string, string> = {
  "pull-up-account": "Account has been pulled up for {customer_name}.",
  "verify-identity": "Identity verification in progess ...",
  "validate-purchase": "Purchase validation in progress ...",
  "enter-details": "Details of {value} have been entered.",
  "make-password": "A password has been generated.",
  "send-link": "A link will be sent.",
  "record-reason": "A reason of {value} has been recorded.",
  "ask-the-oracle": "Querying the system for an answer ...",
  "update-account": "Account has been updated with {value}.",
  "offer-refund": "A refund has been made for the amount of ${value}.",
  "promo-code": "A promo code has been created.",
  membership: "Membership level of {value} has been noted.",
  "update-order": "Order has been updated with {value}.",
  "shipping-status": "Shipping status of {value} has been noted.",
  "make-purchase": "A purchase of {value} was made.",
  "notify-team": "The {value} has been notified.",
  "search-faq": "Searching the FAQ pages ...",
  "select-faq": "FAQ answer related to {value} was selected.",
  "subscription-status": "Querying the system for subscription status ...",
  "try-again": "Agent is looking for solutions ...",
  "log-out-in": "Agent is looking for solutions ...",
  instructions: "Agent is looking for solutions ...",
};
